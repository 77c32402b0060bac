import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { currentLists } from '../reconcile';
import { parseFhirFiles, selectPatient } from './import';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const paths = readdirSync(FIXTURE)
	.filter((f) => f.endsWith('.ndjson'))
	.sort()
	.map((f) => join(FIXTURE, f));
const PATIENT = '129c6ac7-8d06-89de-ad63-0204a93e76c3';
const tmp = mkdtempSync(join(tmpdir(), 'carevault-fhir-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		execFile(process.execPath, ['scripts/fhir.mjs', ...args], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
			resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
		);
	});
}

describe('npm run fhir -- summary', () => {
	it('prints the current lists of one patient, equal to what the app computes', async () => {
		const { code, stdout, stderr } = await run(['summary', ...paths, '--patient', PATIENT]);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const printed = JSON.parse(stdout);
		const source = parseFhirFiles(paths.map((p) => ({ name: p, text: readFileSync(p, 'utf8') })));
		const expected = currentLists(selectPatient(source, PATIENT).entries.map((e) => ({ resource: e.resource, source: `import: ${e.at.file}` })));
		expect(printed).toEqual(JSON.parse(JSON.stringify(expected)));
		expect(printed.medications.length).toBeGreaterThan(0);
		for (const item of [...printed.medications, ...printed.problems])
			expect(Object.keys(item)).toEqual(expect.arrayContaining(['display', 'code', 'system', 'since']));
	});

	it('asks for a patient when the files hold several, listing ids and names (exit 2)', async () => {
		const { code, stdout, stderr } = await run(['summary', ...paths]);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(/^error: these files hold 13 patients; choose one with --patient <id>:/);
		expect(stderr).toContain(`${PATIENT}  Sumiko254 Larue605 Medhurst46`);
	});

	it('names the file and line of malformed JSON (exit 1)', async () => {
		const lines = readFileSync(paths[0], 'utf8').split('\n');
		const bad = join(tmp, 'Broken.ndjson');
		writeFileSync(bad, [lines[0], lines[1], '{"resourceType": "Condition",', lines[2]].join('\n'));
		const { code, stdout, stderr } = await run(['summary', bad]);
		expect(code).toBe(1);
		expect(stdout).toBe('');
		expect(stderr).toMatch(new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 3: not valid JSON \\(.+\\)\\. Nothing was imported`));
	});
});

describe('npm run fhir -- deidentify', () => {
	it('prints the patient de-identified as an R4 collection Bundle: no name, identifier, address, phone or full date of the source', async () => {
		const { code, stdout, stderr } = await run(['deidentify', ...paths, '--patient', PATIENT, '--categories', 'problems,medications']);
		expect(code).toBe(0);
		expect(stderr).toMatch(/note: \d+ resources left out: its category is not part of this study/);
		const bundle = JSON.parse(stdout);
		expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
		const types = new Set(bundle.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType));
		expect([...types].sort()).toEqual(['Condition', 'MedicationRequest', 'Patient', 'Practitioner']); // the prescriber, de-identified
		const patient = readFileSync(join(FIXTURE, 'Patient.ndjson'), 'utf8').split('\n').find((l) => l.includes(`"id":"${PATIENT}"`))!;
		const p = JSON.parse(patient);
		for (const secret of [PATIENT, p.name[0].family, p.name[0].given[0], p.birthDate, p.telecom[0].value, p.address[0].line[0], p.address[0].city, p.identifier[2].value])
			expect(stdout).not.toContain(secret);
		// Born in 1927: the age is grouped and no birth year is printed.
		expect(p.birthDate).toBe('1927-05-21');
		expect(stdout).toContain('"valueString": "90 or older"');
		expect(stdout).not.toContain('"birthDate"');
	});

	it('an unknown category is refused with the list of categories', async () => {
		const { code, stdout, stderr } = await run(['deidentify', paths[0], '--categories', 'genome']);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toContain('not a category: genome');
	});
});
