import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeResource } from '../fhirResource';
import { FhirImportError, PatientNotFoundError } from './errors';
import {
	groupForVault,
	listPatients,
	parseFhirFiles,
	parseFhirFilesAsync,
	selectPatient,
	type FhirResource,
	type ImportFile
} from './import';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const files: ImportFile[] = readdirSync(FIXTURE)
	.filter((f) => f.endsWith('.ndjson'))
	.sort()
	.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
const raw = (name: string): FhirResource[] =>
	files.find((f) => f.name === name)!.text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const LARGEST = '79a66c97-6131-3213-f3c9-4606946ab056';
const ref = (r: FhirResource, field: string) => (r[field] as { reference?: string } | undefined)?.reference;

describe('parseFhirFiles on the Synthea bulk export', () => {
	const source = parseFhirFiles(files);

	it('reads every line of every file, skipping nothing', () => {
		const lines = files.reduce((n, f) => n + f.text.split('\n').filter((l) => l.trim()).length, 0);
		expect(source.entries).toHaveLength(lines);
		expect(source.skipped).toEqual([]);
		expect(source.entries[0].at).toEqual({ file: 'AllergyIntolerance.ndjson', line: 1 });
	});

	it('lists the 13 patients with names and how many resources each has', () => {
		const patients = listPatients(source);
		expect(patients).toHaveLength(13);
		const largest = patients.find((p) => p.id === LARGEST)!;
		expect(largest).toMatchObject({ name: 'Marine542 Ai120 Upton904', birthDate: '1927-05-21', gender: 'female', hasPatientResource: true });
		// Counted independently: the Patient plus every line whose subject/patient is this patient.
		const expected = files.flatMap((f) => raw(f.name)).filter((r) => [ref(r, 'subject'), ref(r, 'patient')].includes(`Patient/${LARGEST}`)).length + 1;
		expect(largest.resourceCount).toBe(expected);
		expect(patients.reduce((n, p) => n + p.resourceCount, 0)).toBe(
			source.entries.filter((e) => !['Organization', 'Location', 'Practitioner', 'PractitionerRole'].includes(e.resource.resourceType)).length
		);
	});

	it('selects one patient: its resources, and the practitioners, organizations and locations they refer to', () => {
		const pi = selectPatient(source, LARGEST);
		expect(pi.resources[0]).toMatchObject({ resourceType: 'Patient', id: LARGEST });
		const mine = files.flatMap((f) => raw(f.name)).filter((r) => [ref(r, 'subject'), ref(r, 'patient')].includes(`Patient/${LARGEST}`));
		const ids = new Set(pi.resources.map((r) => `${r.resourceType}/${r.id}`));
		for (const r of mine) expect(ids.has(`${r.resourceType}/${r.id}`)).toBe(true);
		const shared = pi.resources.filter((r) => ['Organization', 'Location', 'Practitioner'].includes(r.resourceType));
		expect(shared.length).toBeGreaterThan(0);
		expect(pi.resources).toHaveLength(mine.length + 1 + shared.length);
		// Every conditional Practitioner reference of this patient's encounters is resolved.
		const npis = new Set(
			raw('Encounter.ndjson')
				.filter((r) => ref(r, 'subject') === `Patient/${LARGEST}`)
				.flatMap((r) => (r.participant as Array<{ individual: { reference: string } }>).map((p) => p.individual.reference.split('|')[1]))
		);
		const practitionerNpis = new Set(shared.filter((r) => r.resourceType === 'Practitioner').map((r) => (r.identifier as Array<{ value: string }>)[0].value));
		expect(practitionerNpis).toEqual(npis);
		expect(pi.notImported).toEqual([]);
		expect(new Set(pi.entries.map((e) => e.resource))).toEqual(new Set(pi.resources));
	});

	it('groups a patient into vault categories, with a summary per resource', () => {
		const pi = selectPatient(source, LARGEST);
		const groups = groupForVault(pi);
		const count = (type: string) => pi.resources.filter((r) => r.resourceType === type).length;
		const byCat = Object.fromEntries(groups.map((g) => [g.category, g]));
		expect(groups.map((g) => g.category)).toEqual(['medications', 'problems', 'immunizations', 'procedures', 'encounters', 'documents', 'devices', 'other']);
		expect(byCat.medications.resources).toHaveLength(count('MedicationRequest'));
		expect(byCat.problems.resources).toHaveLength(count('Condition'));
		expect(byCat.documents.resources).toHaveLength(count('DocumentReference'));
		expect(byCat.encounters.resources).toHaveLength(count('Encounter'));
		expect(byCat.other.resources.map((r) => r.resourceType)).toContain('Patient');
		expect(groups.reduce((n, g) => n + g.resources.length, 0)).toBe(pi.resources.length);
		for (const g of groups) expect(g.summaries).toHaveLength(g.resources.length);
		const lisinopril = byCat.medications.summaries.find((s) => s.title === 'lisinopril 10 MG Oral Tablet');
		expect(lisinopril).toMatchObject({ resourceType: 'MedicationRequest', codes: ['lisinopril 10 MG Oral Tablet'] });
		expect(lisinopril!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		const encounter = byCat.encounters.summaries.find((s) => s.id === '00c7f717-4030-5582-2ed8-888ad2bc878e');
		expect(encounter).toEqual({ id: '00c7f717-4030-5582-2ed8-888ad2bc878e', resourceType: 'Encounter', title: 'Encounter for problem (procedure)', date: '1989-10-04', codes: ['Encounter for problem (procedure)'] });
	});

	it('reports progress up to the total, in order, synchronously and asynchronously', async () => {
		const total = files.reduce((n, f) => n + f.text.length, 0);
		const seen: number[] = [];
		parseFhirFiles(files, { onProgress: (done, t) => { expect(t).toBe(total); seen.push(done); } });
		expect(seen.length).toBeGreaterThan(10);
		expect(seen.at(-1)).toBe(total);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));
		const asyncSeen: number[] = [];
		const again = await parseFhirFilesAsync(files, { onProgress: (d) => asyncSeen.push(d) });
		expect(again).toEqual(source);
		expect(asyncSeen.at(-1)).toBe(total);
	});

	it('stops the asynchronous import when cancelled', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(parseFhirFilesAsync(files, { signal: controller.signal })).rejects.toThrow();
	});
});

function synthetBundle(type: string, patientIds: string[]): string {
	// Synthea's own Bundles: fullUrl urn:uuid:<id>, references rewritten to urn:uuid:<id>.
	const all = files.flatMap((f) => raw(f.name));
	const chosen = all.filter((r) => (r.resourceType === 'Patient' && patientIds.includes(r.id!)) || patientIds.some((id) => [ref(r, 'subject'), ref(r, 'patient')].includes(`Patient/${id}`)));
	const entry = chosen.map((r) => {
		const text = JSON.stringify(r).replace(/"Patient\/([0-9a-f-]{36})"/g, '"urn:uuid:$1"');
		return { fullUrl: `urn:uuid:${r.id}`, resource: JSON.parse(text), request: { method: 'POST', url: r.resourceType } };
	});
	return JSON.stringify({ resourceType: 'Bundle', type, entry }, null, 2);
}

describe('parseFhirFiles on Bundles and single resources', () => {
	it('reads a transaction Bundle with urn:uuid references (as Synthea writes them)', () => {
		const source = parseFhirFiles([{ name: 'marine.json', text: synthetBundle('transaction', [LARGEST]) }]);
		expect(listPatients(source).map((p) => p.id)).toEqual([LARGEST]);
		const pi = selectPatient(source, LARGEST);
		expect(pi.resources.length).toBe(source.entries.length);
		const patientEntry = JSON.parse(synthetBundle('transaction', [LARGEST])).entry.findIndex((e: { resource: FhirResource }) => e.resource.resourceType === 'Patient');
		expect(pi.entries[0].at).toEqual({ file: 'marine.json', entry: patientEntry + 1 });
		expect(pi.entries[1].at).toEqual({ file: 'marine.json', entry: 1 });
	});

	it('lets the user pick one patient of a multi-patient Bundle', () => {
		const other = 'cbc86e51-9eca-3855-76ec-c058f72c5761';
		const source = parseFhirFiles([{ name: 'two.json', text: synthetBundle('collection', [other, LARGEST]) }]);
		expect(listPatients(source).map((p) => p.id).sort()).toEqual([LARGEST, other].sort());
		const pi = selectPatient(source, other);
		expect(pi.resources.every((r) => r.resourceType === 'Patient' || JSON.stringify(r).includes(`urn:uuid:${other}`))).toBe(true);
		expect(pi.resources).toHaveLength(listPatients(source).find((p) => p.id === other)!.resourceCount);
	});

	it('reads one resource in a .json file and NDJSON in a .json file', () => {
		const cond = raw('Condition.ndjson').slice(0, 3);
		const one = parseFhirFiles([{ name: 'c.json', text: JSON.stringify(cond[0], null, 2) }]);
		expect(one.entries.map((e) => e.resource)).toEqual([cond[0]]);
		const nd = parseFhirFiles([{ name: 'c.json', text: cond.map((c) => JSON.stringify(c)).join('\n') + '\n\n' }]);
		expect(nd.entries.map((e) => e.resource)).toEqual(cond);
		expect(nd.entries[2].at).toEqual({ file: 'c.json', line: 3 });
	});

	it('names a resource that refers to no patient instead of dropping it silently', () => {
		const source = parseFhirFiles([
			{ name: 'p.ndjson', text: `${JSON.stringify(raw('Patient.ndjson')[0])}\n${JSON.stringify({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } })}\n` }
		]);
		const [p] = listPatients(source);
		const pi = selectPatient(source, p.id);
		expect(pi.resources).toHaveLength(1);
		expect(pi.notImported.map((n) => n.message)).toEqual(['p.ndjson line 2: Observation/o1 was not imported: it refers to no patient.']);
	});

	it('lists a patient that is referred to but has no Patient resource', () => {
		const source = parseFhirFiles([{ name: 'c.ndjson', text: raw('Condition.ndjson').slice(0, 2).map((c) => JSON.stringify(c)).join('\n') }]);
		const patients = listPatients(source);
		expect(patients.every((p) => !p.hasPatientResource && p.resourceCount > 0)).toBe(true);
		expect(selectPatient(source, patients[0].id).resources.length).toBe(patients[0].resourceCount);
	});
});

describe('import errors name the file and line', () => {
	const good = raw('Condition.ndjson').slice(0, 4).map((c) => JSON.stringify(c));

	it('malformed NDJSON line', () => {
		const text = [good[0], good[1], '{"resourceType":"Condition", "id": }', good[2]].join('\n');
		const err = (() => { try { parseFhirFiles([{ name: 'ok.ndjson', text: good.join('\n') }, { name: 'Condition.ndjson', text }]); } catch (e) { return e; } })();
		expect(err).toBeInstanceOf(FhirImportError);
		expect(err).toMatchObject({ name: 'FhirImportError', file: 'Condition.ndjson', line: 3 });
		expect((err as Error).message).toMatch(/^Condition\.ndjson line 3: not valid JSON \(.+\)\. Nothing was imported/);
	});

	it('malformed JSON file: the line of the syntax error', () => {
		const text = '{\n  "resourceType": "Bundle",\n  "type": "collection",\n  "entry": [ { "resource": { "resourceType": "Patient" } ,, ]\n}';
		expect(() => parseFhirFiles([{ name: 'b.json', text }])).toThrow(expect.objectContaining({ file: 'b.json', line: 4 }));
		expect(() => parseFhirFiles([{ name: 'b.json', text: '{"resourceType": "Patient", ' }])).toThrow(/^b\.json line 1: not valid JSON/);
	});

	it('a JSON object that is not FHIR, an array, an empty file', () => {
		expect(() => parseFhirFiles([{ name: 'x.ndjson', text: `${good[0]}\n{"name":"x"}` }])).toThrow(/^x\.ndjson line 2: this is not a FHIR resource: it has no valid "resourceType"/);
		expect(() => parseFhirFiles([{ name: 'a.json', text: '[1, 2]' }])).toThrow(/^a\.json: expected a FHIR resource \(a JSON object\), found an array/);
		expect(() => parseFhirFiles([{ name: 'e.ndjson', text: '\n  \n' }])).toThrow(/^e\.ndjson: the file is empty/);
		expect(() => parseFhirFiles([{ name: 'b.json', text: JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] }) }])).toThrow(/^b\.json entry 1: this is not a FHIR resource/);
	});

	it('an unsupported resource type, a duplicate and an empty entry are listed, not dropped silently', () => {
		const bundle = {
			resourceType: 'Bundle',
			type: 'collection',
			entry: [
				{ resource: JSON.parse(good[0]) },
				{ resource: { resourceType: 'StructureDefinition', id: 'sd' } },
				{ resource: JSON.parse(good[0]) },
				{ request: { method: 'DELETE', url: 'Condition/1' } }
			]
		};
		const source = parseFhirFiles([{ name: 'b.json', text: JSON.stringify(bundle) }]);
		expect(source.entries).toHaveLength(1);
		expect(source.skipped.map((s) => s.message)).toEqual([
			'b.json entry 2: StructureDefinition/sd was not imported: StructureDefinition is not a resource type Carevault imports.',
			`b.json entry 3: Condition/${JSON.parse(good[0]).id} was not imported: the same resource already came from b.json entry 1; that one was kept.`,
			'b.json entry 4: entry was not imported: the Bundle entry holds no resource.'
		]);
		const pi = selectPatient(source, listPatients(source)[0].id);
		expect(pi.notImported).toEqual(source.skipped);
	});

	it('hostile content: a number or null for a resource, a Bundle entry of 5, stops the import at its line or entry', () => {
		expect(() => parseFhirFiles([{ name: 'n.ndjson', text: `${good[0]}\nnull\n` }])).toThrow(/^n\.ndjson line 2: expected a FHIR resource \(a JSON object\), found null/);
		expect(() => parseFhirFiles([{ name: 'b.json', text: '{"resourceType":"Bundle","entry":[{"resource":5}]}' }])).toThrow(/^b\.json entry 1: expected a FHIR resource \(a JSON object\), found a number/);
		expect(() => parseFhirFiles([{ name: 't.txt.json', text: 'Dear patient' }])).toThrow(/^t\.txt\.json: not valid JSON/);
	});

	it('a resource whose fields the app reads have the wrong types is listed as not imported, with the reason', () => {
		const condition = JSON.parse(good[0]);
		const text = [
			JSON.stringify({ ...condition, id: 'bad-code', code: 'x' }),
			JSON.stringify({ ...condition, id: 'bad-date', onsetDateTime: 42 }),
			JSON.stringify({ ...condition, id: 'bad-note', note: {} }),
			good[1]
		].join('\n');
		const source = parseFhirFiles([{ name: 'Condition.ndjson', text }]);
		expect(source.entries.map((e) => e.resource.id)).toEqual([JSON.parse(good[1]).id]);
		expect(source.skipped.map((s) => s.message)).toEqual([
			'Condition.ndjson line 1: Condition/bad-code was not imported: it cannot be read: Condition/bad-code: code should be a CodeableConcept (an object), got text.',
			'Condition.ndjson line 2: Condition/bad-date was not imported: it cannot be read: Condition/bad-date: onsetDateTime should be a date, got a number.',
			'Condition.ndjson line 3: Condition/bad-note was not imported: it cannot be read: Condition/bad-note: note should be a list, got an object.'
		]);
	});

	it('deeply nested values are listed, Bundles nested hundreds deep are refused, and neither overflows the stack', () => {
		// Written as text: JSON.stringify itself cannot go this deep.
		const deep = `${'{"extension":['.repeat(10_000)}"leaf"${']}'.repeat(10_000)}`;
		const text = `${good[0].slice(0, -1)},"extension":[${deep}]}`;
		const source = parseFhirFiles([{ name: 'd.json', text }]);
		expect(source.entries).toEqual([]);
		expect(source.skipped[0].message).toMatch(/^d\.json: Condition\/.* was not imported: it cannot be read: .*nested too deeply/);
		const bundle = `${'{"resourceType":"Bundle","entry":[{"resource":'.repeat(5000)}${good[0]}${'}]}'.repeat(5000)}`;
		expect(() => parseFhirFiles([{ name: 'b.json', text: bundle }])).toThrow(/this Bundle is nested inside more than 8 other Bundles/);
	});

	it('a missing patient', () => {
		const source = parseFhirFiles(files);
		expect(() => selectPatient(source, 'nobody')).toThrow(PatientNotFoundError);
		expect(() => selectPatient(source, 'nobody')).toThrow(/No patient "nobody" is in these files\. The patients found are: cbc86e51-.* \(Augustus49 Neville893 Emmerich580\)/);
	});
});

describe('describeResource', () => {
	it('titles, dates and codes the fixture resource types', () => {
		expect(describeResource(raw('Immunization.ndjson')[0])).toMatchObject({ category: 'immunizations', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
		expect(describeResource(raw('Patient.ndjson')[0])).toMatchObject({ category: 'other', title: 'Mrs. Sumiko254 Larue605 Medhurst46' });
		expect(describeResource(raw('Device.ndjson')[0])).toMatchObject({ category: 'devices', title: 'Blood glucose meter (physical object)', codes: [{ system: 'http://snomed.info/sct', code: '337414009', display: 'Blood glucose meter (physical object)' }] });
		expect(describeResource(raw('Organization.ndjson')[0]).title).toBe(raw('Organization.ndjson')[0].name);
		const doc = describeResource(raw('DocumentReference.ndjson')[0]);
		expect(doc).toMatchObject({ category: 'documents', title: 'History and physical note', date: '1987-11-19' });
		expect(doc.codes.map((c) => c.code)).toEqual(['34117-2', '51847-2']);
	});
});
