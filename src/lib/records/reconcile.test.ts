import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFhirFiles, selectPatient } from './fhir/import';
import { currentLists, type FhirResource, type ListItem } from './reconcile';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/synthea-10/', import.meta.url));
const NAMES = ['Patient', 'MedicationRequest', 'Condition', 'AllergyIntolerance', 'Encounter', 'Device'];

// ---- The independent reference: plain loops over the raw NDJSON lines, sharing no code with reconcile.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw resources, read as loosely as a script would
type Json = any;
function readLines(name: string): Json[] {
	const out: Json[] = [];
	for (const line of readFileSync(`${FIXTURE}${name}.ndjson`, 'utf8').split('\n')) if (line.trim() !== '') out.push(JSON.parse(line));
	return out;
}
function day(s: string | undefined): string | null {
	return s ? s.substring(0, 10) : null;
}
function expectedLists(patientId: string) {
	const lists: Record<'medications' | 'problems' | 'allergies', Map<string, ListItem>> = {
		medications: new Map(),
		problems: new Map(),
		allergies: new Map()
	};
	function put(list: Map<string, ListItem>, concept: Json, id: string, since: string | null) {
		const coding = concept.coding[0];
		const key = coding.system + '|' + coding.code;
		const old = list.get(key);
		if (old) {
			old.resourceIds.push(id);
			if (since !== null && (old.since === null || since < old.since)) old.since = since;
		} else list.set(key, { display: concept.text ?? coding.display, code: coding.code, system: coding.system, since, resourceIds: [id] });
	}
	for (const r of readLines('MedicationRequest')) {
		if (r.subject.reference !== 'Patient/' + patientId) continue;
		if (r.status === 'active') put(lists.medications, r.medicationCodeableConcept, r.id, day(r.authoredOn));
	}
	for (const r of readLines('Condition')) {
		if (r.subject.reference !== 'Patient/' + patientId) continue;
		const clinical = r.clinicalStatus?.coding[0].code;
		const verification = r.verificationStatus?.coding[0].code;
		if (clinical !== 'active' && clinical !== 'recurrence' && clinical !== 'relapse') continue;
		if (verification === 'refuted' || verification === 'entered-in-error') continue;
		put(lists.problems, r.code, r.id, day(r.onsetDateTime ?? r.recordedDate));
	}
	for (const r of readLines('AllergyIntolerance')) {
		if (r.patient.reference !== 'Patient/' + patientId) continue;
		const clinical = r.clinicalStatus?.coding[0].code;
		const verification = r.verificationStatus?.coding[0].code;
		if (clinical !== undefined && clinical !== 'active') continue;
		if (verification === 'refuted' || verification === 'entered-in-error') continue;
		put(lists.allergies, r.code, r.id, day(r.onsetDateTime ?? r.recordedDate));
	}
	const sorted = (m: Map<string, ListItem>) =>
		[...m.values()].sort((a, b) => {
			const x = a.display.toLowerCase() + '\u0000' + a.code;
			const y = b.display.toLowerCase() + '\u0000' + b.code;
			return x < y ? -1 : x > y ? 1 : 0;
		});
	return { medications: sorted(lists.medications), problems: sorted(lists.problems), allergies: sorted(lists.allergies) };
}

describe('current lists on every Synthea patient', () => {
	const source = parseFhirFiles(NAMES.map((n) => ({ name: `${n}.ndjson`, text: readFileSync(`${FIXTURE}${n}.ndjson`, 'utf8') })));
	const patients = readLines('Patient').map((p) => p.id as string);

	it.each(patients)('patient %s: the lists equal an independent computation from the raw NDJSON', (id) => {
		const lists = currentLists(selectPatient(source, id).resources);
		expect(lists).toEqual(expectedLists(id));
	});

	it('the fixture exercises the rules: the same drug stopped and active, the same problem resolved and active', () => {
		const lists = new Map(patients.map((id) => [id, currentLists(selectPatient(source, id).resources)]));
		const meds = [...lists.values()].flatMap((l) => l.medications);
		expect(meds).toHaveLength(23);
		const stoppedToo = readLines('MedicationRequest').filter(
			(r) => r.status === 'stopped' && lists.get(r.subject.reference.slice(8))!.medications.some((m) => m.code === r.medicationCodeableConcept.coding[0].code)
		);
		expect(stoppedToo.length).toBeGreaterThan(0);
		const resolvedToo = readLines('Condition').filter(
			(r) => r.clinicalStatus.coding[0].code === 'resolved' && lists.get(r.subject.reference.slice(8))!.problems.some((p) => p.code === r.code.coding[0].code)
		);
		expect(resolvedToo.length).toBeGreaterThan(0);
		expect([...lists.values()].flatMap((l) => l.problems)).toHaveLength(107);
		expect([...lists.values()].flatMap((l) => l.allergies)).toHaveLength(11);
	});
});

// ---- Hand-made cases, one per rule.
const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SCT = 'http://snomed.info/sct';
const med = (id: string, status: string, code: string, display: string, authoredOn = '2020-01-01'): FhirResource => ({
	resourceType: 'MedicationRequest',
	id,
	status,
	intent: 'order',
	medicationCodeableConcept: { coding: [{ system: RX, code, display }] },
	authoredOn
});
const status = (code: string | undefined) => (code ? { coding: [{ code }] } : undefined);
const condition = (id: string, clinical?: string, verification?: string, code = '44054006', display = 'Diabetes'): FhirResource => ({
	resourceType: 'Condition',
	id,
	...(clinical ? { clinicalStatus: status(clinical) } : {}),
	...(verification ? { verificationStatus: status(verification) } : {}),
	code: { coding: [{ system: SCT, code, display }] },
	onsetDateTime: '2015-06-01T10:00:00+02:00'
});
const allergy = (id: string, clinical?: string, verification?: string): FhirResource => ({
	resourceType: 'AllergyIntolerance',
	id,
	...(clinical ? { clinicalStatus: status(clinical) } : {}),
	...(verification ? { verificationStatus: status(verification) } : {}),
	code: { coding: [{ system: RX, code: '7980', display: 'Penicillin G' }] },
	recordedDate: '2001-02-03'
});
const ids = (items: ListItem[]) => items.map((i) => i.resourceIds);

describe('medication rules', () => {
	it('only status active is current', () => {
		const statuses = ['active', 'stopped', 'completed', 'cancelled', 'entered-in-error', 'on-hold', 'draft', 'unknown'];
		const lists = currentLists(statuses.map((s, i) => med(s, s, String(100 + i), `Drug ${i}`)));
		expect(ids(lists.medications)).toEqual([['active']]);
		const statement: FhirResource = { resourceType: 'MedicationStatement', id: 's', status: 'not-taken', medicationCodeableConcept: { text: 'Aspirin' } };
		expect(currentLists([statement]).medications).toEqual([]);
	});

	it('the same drug is listed once, since its earliest start, with the source of that one', () => {
		const lists = currentLists([
			{ resource: med('a', 'active', '314076', 'lisinopril 10 MG Oral Tablet', '2021-05-01'), source: 'Dr. B' },
			{ resource: med('b', 'active', '314076', 'Lisinopril 10mg', '2019-03-04T09:00:00Z'), source: 'Dr. A' },
			{ resource: med('c', 'stopped', '314076', 'lisinopril 10 MG Oral Tablet', '2010-01-01'), source: 'Dr. C' }
		]);
		expect(lists.medications).toEqual([
			{ display: 'lisinopril 10 MG Oral Tablet', code: '314076', system: RX, since: '2019-03-04', source: 'Dr. A', resourceIds: ['a', 'b'] }
		]);
	});

	it('without codes, the same normalised name is the same drug; different codes stay apart', () => {
		const uncoded = (id: string, text: string): FhirResource => ({ resourceType: 'MedicationStatement', id, status: 'active', medicationCodeableConcept: { text }, effectivePeriod: { start: '2022-02-02' } });
		const lists = currentLists([uncoded('x', 'Vitamin  D'), uncoded('y', ' vitamin d '), med('z', 'active', '1', 'Other')]);
		expect(lists.medications.map((m) => [m.display, m.resourceIds, m.since])).toEqual([
			['Other', ['z'], '2020-01-01'],
			['Vitamin  D', ['x', 'y'], '2022-02-02']
		]);
	});

	it('resolves medicationReference to a contained or included Medication', () => {
		const medication: FhirResource = { resourceType: 'Medication', id: 'm1', code: { coding: [{ system: RX, code: '197361', display: 'Amlodipine 5 MG' }] } };
		const byRef: FhirResource = { resourceType: 'MedicationRequest', id: 'r1', status: 'active', medicationReference: { reference: 'Medication/m1' }, authoredOn: '2020-01-01' };
		const contained: FhirResource = {
			resourceType: 'MedicationRequest',
			id: 'r2',
			status: 'active',
			contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: RX, code: '197361', display: 'Amlodipine' }] } }],
			medicationReference: { reference: '#med' },
			authoredOn: '2018-01-01'
		};
		const unresolved: FhirResource = { resourceType: 'MedicationRequest', id: 'r3', status: 'active', medicationReference: { reference: 'Medication/zz', display: 'Metformin' } };
		const lists = currentLists([medication, byRef, contained, unresolved]);
		expect(lists.medications).toEqual([
			{ display: 'Amlodipine 5 MG', code: '197361', system: RX, since: '2018-01-01', resourceIds: ['r1', 'r2'] },
			{ display: 'Metformin', code: null, system: null, since: null, resourceIds: ['r3'] }
		]);
	});
});

describe('problem rules', () => {
	it('active, recurrence and relapse are current; resolved, inactive, remission and no status are history', () => {
		const lists = currentLists([
			condition('active', 'active', undefined, '1', 'A'),
			condition('recurrence', 'recurrence', 'confirmed', '2', 'B'),
			condition('relapse', 'relapse', 'provisional', '3', 'C'),
			condition('resolved', 'resolved', 'confirmed', '4', 'D'),
			condition('inactive', 'inactive', undefined, '5', 'E'),
			condition('remission', 'remission', undefined, '6', 'F'),
			condition('none', undefined, undefined, '7', 'G')
		]);
		expect(ids(lists.problems)).toEqual([['active'], ['recurrence'], ['relapse']]);
	});

	it('refuted and entered-in-error are excluded; the same code once with the earliest onset', () => {
		const later = { ...condition('later', 'active'), onsetDateTime: undefined, recordedDate: '2019-01-01' };
		const lists = currentLists([condition('refuted', 'active', 'refuted'), condition('eie', 'active', 'entered-in-error'), later, condition('first', 'active', 'confirmed')]);
		expect(lists.problems).toEqual([{ display: 'Diabetes', code: '44054006', system: SCT, since: '2015-06-01', resourceIds: ['later', 'first'] }]);
	});
});

describe('entered-in-error', () => {
	it('a resource its source withdrew is never current, whichever coding or field says so', () => {
		const withdrawn = { ...condition('eie-second-coding', 'active'), verificationStatus: { coding: [{ system: 'urn:local', code: 'x' }, { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } };
		const statusWithdrawn = { ...allergy('eie-second-coding', 'active'), verificationStatus: withdrawn.verificationStatus };
		const lists = currentLists([withdrawn, statusWithdrawn]);
		expect(lists.problems).toEqual([]);
		expect(lists.allergies).toEqual([]);
	});
});

describe('allergy rules', () => {
	it('active or absent clinicalStatus is current; inactive, resolved, refuted, entered-in-error are not', () => {
		expect(ids(currentLists([allergy('absent')]).allergies)).toEqual([['absent']]);
		expect(ids(currentLists([allergy('active', 'active', 'unconfirmed')]).allergies)).toEqual([['active']]);
		for (const [c, v] of [['inactive', undefined], ['resolved', 'confirmed'], ['active', 'refuted'], [undefined, 'entered-in-error']])
			expect(currentLists([allergy('x', c, v)]).allergies).toEqual([]);
		expect(currentLists([allergy('absent')]).allergies[0]).toMatchObject({ display: 'Penicillin G', since: '2001-02-03' });
	});
});
