import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson, identityKeys, planImport, replacementsOf, resourceRef, supersededRefs, type KnownResource } from './dedupe';
import { parseFhirFiles, selectPatient, type FhirResource } from './fhir/import';
import type { VaultRecord } from './model';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/synthea-10/', import.meta.url));
const readFiles = () =>
	readdirSync(FIXTURE)
		.filter((f) => f.endsWith('.ndjson'))
		.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
const PATIENT = 'cbc86e51-9eca-3855-76ec-c058f72c5761';
const LARGEST = '79a66c97-6131-3213-f3c9-4606946ab056';

/** What the vault holds after importing `resources` from `source` as one record. */
const asKnown = (resources: readonly FhirResource[], source = 'import: first.ndjson', recordId = 'r1'): KnownResource[] =>
	resources.map((resource, i) => ({ resource, recordSource: source, ref: resourceRef(recordId, i) }));

describe('planImport on the Synthea fixture', () => {
	for (const id of [PATIENT, LARGEST])
		it(`a second import of patient ${id} (parsed again from the files) adds nothing`, () => {
			const first = selectPatient(parseFhirFiles(readFiles()), id).resources;
			const again = selectPatient(parseFhirFiles(readFiles()), id).resources;
			const plan = planImport(asKnown(first), again);
			expect(plan.fresh).toEqual([]);
			expect(plan.updated).toEqual([]);
			expect(plan.present.length).toBe(first.length);
			expect(plan.present.every((p) => !p.older)).toBe(true);
		});

	it('an edited copy: changed resources replace their older version, new ones are new, the rest is present', () => {
		const first = selectPatient(parseFhirFiles(readFiles()), PATIENT).resources;
		const edited = structuredClone(first) as FhirResource[];
		const conditions = edited.filter((r) => r.resourceType === 'Condition').slice(0, 3);
		for (const c of conditions) {
			c.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] };
			c.abatementDateTime = '2024-01-01';
		}
		// A whitespace-only difference in key order is no change.
		const patient = edited[0];
		edited[0] = Object.fromEntries(Object.entries(patient).reverse()) as FhirResource;
		const added: FhirResource[] = [
			{ resourceType: 'Condition', id: 'new-1', subject: { reference: `Patient/${PATIENT}` }, code: { text: 'Hay fever' } },
			{ resourceType: 'Immunization', id: 'new-2', status: 'completed', patient: { reference: `Patient/${PATIENT}` }, vaccineCode: { text: 'Flu' }, occurrenceDateTime: '2024-10-01' }
		];
		const plan = planImport(asKnown(first), [...edited, ...added]);
		expect(plan.fresh).toEqual(added);
		expect(plan.updated.map((u) => u.resource)).toEqual(conditions);
		for (const u of plan.updated) {
			const i = first.findIndex((r) => r.resourceType === 'Condition' && r.id === u.resource.id);
			expect(u.replaces).toEqual([resourceRef('r1', i)]);
		}
		expect(plan.present.length).toBe(first.length - conditions.length);
	});
});

describe('planImport rules', () => {
	const cond = (extra: Partial<FhirResource> = {}): FhirResource => ({ resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' }, ...extra });

	it('matches by business identifier across ids and sources', () => {
		const fromProvider = cond({ id: 'abc', identifier: [{ system: 'urn:oid:1.2.3', value: 'X-9' }] });
		const imported = cond({ id: 'zzz', identifier: [{ system: 'urn:oid:1.2.3', value: 'X-9' }], note: [{ text: 'now controlled' }] });
		const plan = planImport(asKnown([fromProvider], 'City Clinic (0x0000000000000000000000000000000000000001)', 'p1'), [imported]);
		expect(plan.updated).toEqual([{ resource: imported, replaces: ['p1#0'] }]);
		// An identifier without a system is no business identifier.
		const noSystem = planImport(asKnown([cond({ id: 'a', identifier: [{ value: 'X-9' }] })]), [cond({ id: 'b', identifier: [{ value: 'X-9' }] })]);
		expect(noSystem.fresh.length).toBe(1);
	});

	it('resourceType/id matches only within one source system', () => {
		const provider = asKnown([cond()], 'City Clinic (0x0000000000000000000000000000000000000001)');
		expect(planImport(provider, [cond({ note: [{ text: 'x' }] })]).fresh.length).toBe(1);
		// Every import is one source, whatever its file name.
		expect(planImport(asKnown([cond()], 'import: 2023.json'), [cond({ note: [{ text: 'x' }] })]).updated.length).toBe(1);
		// meta.source names the system; its #fragment (a request id) does not matter.
		const a = cond({ meta: { source: 'https://ehr-a.example/fhir#r1' } });
		expect(planImport(asKnown([a]), [cond({ meta: { source: 'https://ehr-a.example/fhir#r2' } })]).updated.length).toBe(1);
		expect(planImport(asKnown([a]), [cond({ meta: { source: 'https://ehr-b.example/fhir' } })]).fresh.length).toBe(1);
	});

	it('a provider is its account: the same resource id matches whatever name the provider was shown under', () => {
		const address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
		const obs = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'HbA1c' } };
		const known = asKnown([obs], `Unverified: “Dr. Ada” (${address})`);
		expect(planImport(known, [{ ...obs }], `Dr. Ada Lovelace (${address.toLowerCase()})`).present).toHaveLength(1);
		expect(planImport(known, [{ ...obs }], 'Dr. Ada Lovelace (0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC)').fresh).toHaveLength(1);
	});

	it('an older version (meta.lastUpdated or versionId) does not replace a newer one', () => {
		const newer = cond({ meta: { lastUpdated: '2024-05-01T00:00:00Z', versionId: '3' }, note: [{ text: 'new' }] });
		const older = cond({ meta: { lastUpdated: '2023-05-01T00:00:00Z', versionId: '2' }, note: [{ text: 'old' }] });
		const plan = planImport(asKnown([newer]), [older]);
		expect(plan.present).toEqual([{ resource: older, ref: 'r1#0', older: true }]);
		expect(planImport(asKnown([older]), [newer]).updated.length).toBe(1);
		const v = (n: string, t: string) => cond({ meta: { versionId: n }, note: [{ text: t }] });
		expect(planImport(asKnown([v('10', 'a')]), [v('9', 'b')]).present[0].older).toBe(true);
		expect(planImport(asKnown([v('9', 'a')]), [v('10', 'b')]).updated.length).toBe(1);
	});

	it('ignores key order, not content', () => {
		expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
		expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
		expect(identityKeys(cond({ identifier: { system: 's', value: 'v' } }), 'you')).toEqual(['id from:you Condition/c1', 'identifier Condition s v']);
	});
});

describe('supersededRefs', () => {
	it('collects every ref named by any record, ignoring junk', () => {
		const records = [
			{ id: 'a', supersedes: ['x#0', 'x#3'] },
			{ id: 'b' },
			{ id: 'c', supersedes: ['y#1', 5, null] },
			null
		] as unknown as VaultRecord[];
		expect([...supersededRefs(records)].sort()).toEqual(['x#0', 'x#3', 'y#1']);
		expect(replacementsOf(records, 'x')).toEqual([{ record: records[0], count: 2 }]);
		expect(replacementsOf(records, 'y').map((r) => r.count)).toEqual([1]);
		// 'x#0' must not count for a record named 'x#' or 'xy'.
		expect(replacementsOf(records, 'b')).toEqual([]);
	});
});
