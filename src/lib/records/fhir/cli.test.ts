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
