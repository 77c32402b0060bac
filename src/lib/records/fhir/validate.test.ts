import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { MAX_DEPTH, readFhirContent, validateResource } from './validate';
import { currentLists } from '../reconcile';
import { buildTimeline, filterTimeline, timelineEntriesOf } from '../timeline';
import { exportBundle, exportPatientSummary, prepareForExport, readableResources } from './export';
import type { VaultRecord } from '../model';
import { describeResource } from '../fhirResource';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const lines = readdirSync(FIXTURE)
	.filter((f) => f.endsWith('.ndjson'))
	.flatMap((f) => readFileSync(FIXTURE + f, 'utf8').split('\n').filter((l) => l.trim() !== ''));

const reasonOf = (value: unknown) => {
	const r = validateResource(value);
	return r.ok ? null : r.reason;
};

const nested = (depth: number): unknown => {
	let v: unknown = 'leaf';
	for (let i = 0; i < depth; i++) v = { extension: [v] };
	return v;
};

describe('validateResource', () => {
	it('accepts every resource of the Synthea fixtures unchanged', () => {
		expect(lines.length).toBeGreaterThan(1000);
		for (const line of lines) {
			const value = JSON.parse(line);
			expect(validateResource(value)).toEqual({ ok: true, resource: value });
		}
	});

	it('accepts a resource type it does not know, as "other"', () => {
		expect(validateResource({ resourceType: 'ResearchStudy', id: 'r1', code: 'not-read' })).toMatchObject({ ok: true });
	});

	it.each([
		['a number', 5, 'not a FHIR resource (got a number)'],
		['null', null, 'not a FHIR resource (got null)'],
		['a list', [{ resourceType: 'Patient' }], 'not a FHIR resource (got a list)'],
		['text', 'Patient', 'not a FHIR resource (got text)'],
		['no resourceType', { id: 'x', code: { text: 'Asthma' } }, 'not a FHIR resource: it has no resourceType'],
		['a resourceType that is not a name', { resourceType: 42 }, 'not a FHIR resource: its resourceType is not a type name (got a number)'],
		['an id that is a number', { resourceType: 'Condition', id: 7 }, 'Condition has an id that is not a FHIR id (got a number)'],
		['code as text', { resourceType: 'Condition', id: 'c1', code: 'x' }, 'Condition/c1: code should be a CodeableConcept (an object), got text'],
		['effectiveDateTime as a number', { resourceType: 'Observation', id: 'o1', effectiveDateTime: 42 }, 'Observation/o1: effectiveDateTime should be a date, got a number'],
		['a date that is not a date', { resourceType: 'Observation', effectiveDateTime: 'yesterday' }, 'Observation: effectiveDateTime is not a date ("yesterday")'],
		['note as an object', { resourceType: 'Condition', id: 'c1', note: {} }, 'Condition/c1: note should be a list, got an object'],
		['a coding list that is not a list', { resourceType: 'MedicationRequest', medicationCodeableConcept: { coding: 'RX' } }, 'MedicationRequest: medicationCodeableConcept.coding should be a list, got text'],
		['a display that is a number', { resourceType: 'Condition', code: { coding: [{ display: 3 }] } }, 'Condition: code.coding[0].display should be text, got a number'],
		['a Period start that is not a date', { resourceType: 'Encounter', period: { start: {} } }, 'Encounter: period.start should be a date, got an object'],
		['a status that is an object', { resourceType: 'MedicationRequest', status: { code: 'active' } }, 'MedicationRequest: status should be text, got an object'],
		['a Patient name that is text', { resourceType: 'Patient', id: 'p', name: 'Ann' }, 'Patient/p: name should be a list, got text'],
		['a document whose content type is a number', { resourceType: 'DocumentReference', content: [{ attachment: { contentType: 7, data: 'aGk=' } }] }, 'DocumentReference: content[0].attachment.contentType should be text, got a number'],
		['a narrative that is not XHTML text', { resourceType: 'Condition', text: { div: ['<b>'] } }, 'Condition: text.div should be XHTML text, got a list'],
		['a contained resource that is a number', { resourceType: 'MedicationRequest', contained: [5] }, 'MedicationRequest: contained[0]: not a FHIR resource (got a number)'],
		['a huge title', { resourceType: 'Condition', code: { text: 'x'.repeat(20_000) } }, 'Condition: code.text is too long (20000 characters)'],
		['deep nesting', { resourceType: 'Observation', extension: [nested(MAX_DEPTH + 5)] }, `Observation: it is nested too deeply (more than ${MAX_DEPTH} levels)`]
	])('refuses %s with a reason a patient can read', (_, value, reason) => {
		expect(reasonOf(value)).toBe(reason);
	});

	it('checks a resource nested 100,000 levels deep without overflowing the stack', () => {
		expect(reasonOf({ resourceType: 'Observation', extension: [nested(100_000)] })).toMatch(/nested too deeply/);
	});

	test.prop([fc.jsonValue()])('never throws, for any JSON value', (value) => {
		const r = validateResource(value);
		expect(typeof r.ok).toBe('boolean');
		if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
	});
});

describe('readFhirContent', () => {
	const condition = { resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' } };

	it('reads one resource, a Bundle and NDJSON', () => {
		expect(readFhirContent(JSON.stringify(condition))).toEqual({ resources: [condition], problems: [] });
		expect(readFhirContent(JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: condition }] }))).toEqual({ resources: [condition], problems: [] });
		expect(readFhirContent(`${JSON.stringify(condition)}\n${JSON.stringify({ ...condition, id: 'c2' })}\n`).resources).toHaveLength(2);
	});

	it.each([
		['non-JSON', 'this is not json', ['not valid JSON']],
		['an empty text', '  \n', ['it is empty']],
		['NDJSON with a null line', `${JSON.stringify(condition)}\nnull\n`, ['line 2: not a FHIR resource (got null)']],
		['NDJSON with a broken line', `${JSON.stringify(condition)}\n{"resourceType":\n`, ['line 2: not valid JSON']],
		['a Bundle entry whose resource is a number', JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: 5 }] }), ['entry 1: not a FHIR resource (got a number)']],
		['a Bundle entry that is null', JSON.stringify({ resourceType: 'Bundle', entry: [null] }), ['entry 1: not a Bundle entry (got null)']],
		['a Bundle whose entry is not a list', JSON.stringify({ resourceType: 'Bundle', entry: { resource: condition } }), ["the Bundle's entry should be a list, got an object"]],
		['a resource without resourceType', JSON.stringify({ id: 'x' }), ['not a FHIR resource: it has no resourceType']],
		['a line with wrong types', `${JSON.stringify(condition)}\n${JSON.stringify({ resourceType: 'Observation', id: 'o', effectiveDateTime: 42 })}`, ['line 2: Observation/o: effectiveDateTime should be a date, got a number']]
	])('reports %s as a problem and keeps the rest', (_, text, problems) => {
		const read = readFhirContent(text);
		expect(read.problems).toHaveLength(problems.length);
		read.problems.forEach((p, i) => expect(p).toContain(problems[i]));
		for (const r of read.resources) expect(r).toEqual(condition);
	});

	it('reports JSON nested deeper than the parser can follow instead of throwing', () => {
		const read = readFhirContent(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
		expect(read.resources).toEqual([]);
		expect(read.problems).toHaveLength(1);
	});

	test.prop([fc.string()])('never throws, for any text', (text) => {
		const read = readFhirContent(text);
		expect(read.resources.length + read.problems.length).toBeGreaterThan(0);
	});
});

// Arbitrary values in place of resources, mixed with resource-shaped objects whose fields are anything.
const FIELDS = ['id', 'status', 'code', 'clinicalStatus', 'verificationStatus', 'medicationCodeableConcept', 'medicationReference', 'contained', 'onsetDateTime', 'onsetPeriod', 'recordedDate', 'authoredOn', 'effectiveDateTime', 'effectivePeriod', 'name', 'note', 'text'];
const TYPES = ['MedicationRequest', 'MedicationStatement', 'Condition', 'AllergyIntolerance', 'Medication', 'Patient', 'Observation'];
const resourceLike = fc.record(
	{
		resourceType: fc.constantFrom(...TYPES),
		...Object.fromEntries(FIELDS.map((f) => [f, fc.jsonValue({ maxDepth: 3 })]))
	},
	{ requiredKeys: ['resourceType'] }
);
const anything = fc.array(fc.oneof(fc.jsonValue(), resourceLike), { maxLength: 12 });

describe('reconcile, timeline and export are total', () => {
	test.prop([anything])('currentLists never throws on any input', (inputs) => {
		const lists = currentLists(inputs as never);
		for (const items of [lists.medications, lists.problems, lists.allergies])
			for (const item of items) {
				expect(typeof item.display).toBe('string');
				for (const id of item.resourceIds) expect(typeof id).toBe('string');
			}
	});

	test.prop([anything])('exportBundle and exportPatientSummary never throw and export only readable resources', (inputs) => {
		const { resources, excluded } = readableResources(inputs);
		expect(resources.length + excluded.length).toBe(inputs.length);
		const bundle = exportBundle(inputs as never, { newId: () => '00000000-0000-4000-8000-000000000001' });
		const prepared = prepareForExport(inputs);
		expect(bundle.entry.map((e) => e.resource)).toEqual(prepared.resources);
		// Every input is exported (maybe repaired), left out with a reason, or an identical copy of one exported.
		expect(prepared.resources.length + prepared.leftOut.length).toBeLessThanOrEqual(inputs.length);
		expect(prepared.resources.length).toBeLessThanOrEqual(resources.length);
		const summary = exportPatientSummary({ resourceType: 'Patient', id: 'p' }, inputs as never, new Date(0));
		expect(JSON.parse(JSON.stringify(summary)).entry.length).toBeGreaterThanOrEqual(2);
	});

	test.prop([fc.oneof(fc.jsonValue(), resourceLike)])('what passes the check can be described and shown (as FhirView does) without throwing', (value) => {
		const checked = validateResource(value);
		if (!checked.ok) return;
		const d = describeResource(checked.resource);
		expect(typeof d.title).toBe('string');
		expect(typeof JSON.stringify(checked.resource, null, 2)).toBe('string');
	});

	test.prop([fc.array(fc.oneof(fc.jsonValue(), fc.record({ id: fc.string(), title: fc.jsonValue(), category: fc.jsonValue(), date: fc.jsonValue(), addedAt: fc.jsonValue(), source: fc.jsonValue(), resources: fc.jsonValue() })), { maxLength: 10 }), fc.string()])(
		'timelineEntriesOf, buildTimeline and filterTimeline never throw on any index records',
		(records, text) => {
			const timeline = buildTimeline(timelineEntriesOf(records as unknown as VaultRecord[]));
			expect(new Set(timeline.entries.map((e) => e.id)).size).toBe(timeline.entries.length);
			filterTimeline(timeline, { text, from: '2000', to: '2030' });
		}
	);
});
