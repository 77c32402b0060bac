import type { FhirResource } from '../types';
import { conceptText } from './fhirResource';
import type { VaultRecord } from './model';

/**
 * Numeric FHIR R4 Observations as series over time, one chart per code and
 * unit: what the "Results over time" page draws and tabulates. Pure: the page
 * hands in decrypted resources and gets plain data back; nothing here throws
 * on bad content, every Observation left out is listed with the reason.
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

export interface ObservationCode {
	system?: string;
	code?: string;
	display: string;
}

/** One value in a chart's table: an Observation's value, or one of its components. */
export interface ObservationCell {
	value: number;
	/** `<`, `<=`, `>=`, `>` when the lab reported a bound ("<0.5"), not a measured value. */
	comparator?: string;
	/** The reference range that came with this value, in the same unit; absent when none came. */
	low?: number;
	high?: number;
	/** Where the value falls against its own reference range. */
	flag?: 'low' | 'high';
	/** The value as a person reads it: comparator, number as written, unit. */
	text: string;
}

/** One Observation in a chart: a row of its table, one point per series. */
export interface ObservationRow {
	/** Milliseconds since 1970 (UTC) of the effective time; partial dates count from their first moment. */
	time: number;
	/** The effective date or time as written in the resource. */
	date: string;
	/** Observation.id, when it has one. */
	resourceId?: string;
	/** Where the record came from (a provider, an import), when the caller knows. */
	source?: string;
	/** One cell per series of the chart, in the chart's series order; null when this Observation has no value for it. */
	cells: Array<ObservationCell | null>;
}

export interface ObservationSeries {
	/** `system|code` of the component (or of the Observation itself when its value is the series). */
	key: string;
	code: ObservationCode;
	label: string;
	/** Whether any value of this series came with a reference range. */
	hasRange: boolean;
}

export type ObservationCategory = 'vital-signs' | 'laboratory' | 'other';

/** Everything recorded under one code in one unit: one chart with its table. */
export interface ObservationChart {
	/** `system|code` of the Observation, then the unit: unique across charts. */
	key: string;
	code: ObservationCode;
	title: string;
	category: ObservationCategory;
	/** The unit as people write it (`mmHg`, `kg`); `unitCode` is the UCUM code when there is one. */
	unit: string;
	unitCode?: string;
	series: ObservationSeries[];
	/** Oldest first. */
	rows: ObservationRow[];
	/**
	 * Other units this code was recorded in. Values in different units are
	 * never put on one axis: each unit has its own chart, and this says so.
	 */
	otherUnits: string[];
}

export type SkipReason = 'entered-in-error' | 'cancelled' | 'no-value' | 'not-numeric' | 'no-date' | 'no-code';

export interface SkippedObservation {
	resourceId?: string;
	/** The code's name when there is one. */
	what: string;
	reason: SkipReason;
	/** A sentence a patient can read. */
	message: string;
}

export interface ObservationCharts {
	charts: ObservationChart[];
	skipped: SkippedObservation[];
}

/** A resource as read from the vault, with where it came from. */
export type ObservationInput = FhirResource | { resource: FhirResource; source?: string };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const CATEGORY_ORDER: Record<ObservationCategory, number> = { 'vital-signs': 0, laboratory: 1, other: 2 };

/**
 * Groups the numeric Observations among `inputs` into charts: one per code
 * and unit, components (a blood-pressure panel's systolic and diastolic) as
 * series of the same chart, rows oldest first. Other resource types are
 * ignored; a panel that only groups other results (`hasMember`, no value) is
 * not a result and is ignored too.
 */
export function observationCharts(inputs: readonly ObservationInput[]): ObservationCharts {
	const skipped: SkippedObservation[] = [];
	const charts = new Map<string, ChartBuilder>();
	const seen = new Set<string>();

	for (const input of inputs) {
		const resource: unknown = isObject(input) && 'resource' in input && !('resourceType' in input) ? input.resource : input;
		const source = isObject(input) && 'resource' in input ? str(input.source) : undefined;
		if (!isObject(resource) || resource.resourceType !== 'Observation') continue;
		const id = str(resource.id);
		// The very same Observation read from two records (a file imported twice) is one result. Only
		// identical copies merge: an id alone is unique per server, not across a patient's sources.
		const copy = JSON.stringify(resource);
		if (seen.has(copy)) continue;
		seen.add(copy);
		const code = codeOf(resource.code);
		const what = code?.display ?? 'An Observation';
		const skip = (reason: SkipReason, message: string) => skipped.push({ ...(id ? { resourceId: id } : {}), what, reason, message: `${what}${id ? ` (${id})` : ''}: ${message}` });

		if (resource.status === 'entered-in-error') {
			skip('entered-in-error', 'marked as entered in error, so it is not shown.');
			continue;
		}
		if (resource.status === 'cancelled') {
			skip('cancelled', 'cancelled, so it has no result.');
			continue;
		}
		if (!code) {
			skip('no-code', 'it does not say what was measured (no code), so it cannot be charted.');
			continue;
		}
		const when = effectiveOf(resource);
		if (!when) {
			skip('no-date', 'it has no date it was measured, so it cannot be placed on a chart.');
			continue;
		}

		const parts: Array<{ code: ObservationCode; value: ValueResult; ranges: unknown }> = [];
		const own = valueOf(resource);
		if (own.kind !== 'none') parts.push({ code, value: own, ranges: resource.referenceRange });
		for (const c of Array.isArray(resource.component) ? resource.component : []) {
			if (!isObject(c)) continue;
			const cc = codeOf(c.code);
			if (!cc) continue;
			parts.push({ code: cc, value: valueOf(c), ranges: c.referenceRange });
		}
		const numeric = parts.filter((p): p is typeof p & { value: NumericValue } => p.value.kind === 'number');
		if (numeric.length === 0) {
			if (parts.some((p) => p.value.kind === 'other')) skip('not-numeric', 'its result is not a number (text or a coded answer), so it is not charted.');
			else if (Array.isArray(resource.hasMember) && resource.hasMember.length > 0 && parts.length === 0) continue;
			else skip('no-value', `it holds no value${absentReason(resource)}.`);
			continue;
		}

		const row: Omit<ObservationRow, 'cells'> = { time: when.time, date: when.date, ...(id ? { resourceId: id } : {}), ...(source ? { source } : {}) };
		const cat = categoryOf(resource.category);
		// A row per chart this Observation reaches (its components normally share one unit, so one chart).
		const rowsByChart = new Map<ChartBuilder, Map<string, ObservationCell>>();
		for (const part of numeric) {
			const chartKey = `${keyOf(code)}\u0000${part.value.unitKey}`;
			let chart = charts.get(chartKey);
			if (!chart) {
				chart = { key: chartKey, code, category: cat, unit: part.value.unit, unitCode: part.value.unitCode, codeKey: keyOf(code), series: new Map(), rows: [] };
				charts.set(chartKey, chart);
			}
			const seriesKey = keyOf(part.code);
			const range = rangeOf(part.ranges, part.value.unitKey);
			let series = chart.series.get(seriesKey);
			if (!series) {
				series = { key: seriesKey, code: part.code, label: part.code.display, hasRange: false };
				chart.series.set(seriesKey, series);
			}
			if (range.low !== undefined || range.high !== undefined) series.hasRange = true;
			let cells = rowsByChart.get(chart);
			if (!cells) rowsByChart.set(chart, (cells = new Map()));
			// A component repeated in one Observation: the first one counts.
			if (!cells.has(seriesKey)) cells.set(seriesKey, cellOf(part.value, range));
		}
		for (const [chart, cells] of rowsByChart) chart.rows.push({ ...row, cells });
	}

	const unitsByCode = new Map<string, string[]>();
	for (const c of charts.values()) unitsByCode.set(c.codeKey, [...(unitsByCode.get(c.codeKey) ?? []), c.unit]);

	const out = [...charts.values()].map((c): ObservationChart => {
		const series = [...c.series.values()];
		const rows = c.rows
			.slice()
			.sort((a, b) => a.time - b.time || (a.resourceId ?? '').localeCompare(b.resourceId ?? ''))
			.map(({ cells, ...r }) => ({ ...r, cells: series.map((s) => cells.get(s.key) ?? null) }));
		const otherUnits = (unitsByCode.get(c.codeKey) ?? []).filter((u) => u !== c.unit);
		const title = otherUnits.length > 0 ? `${c.code.display} (${c.unit || 'no unit'})` : c.code.display;
		return {
			key: c.key,
			code: c.code,
			title,
			category: c.category,
			unit: c.unit,
			...(c.unitCode ? { unitCode: c.unitCode } : {}),
			series,
			rows,
			otherUnits
		};
	});
	out.sort(
		(a, b) =>
			CATEGORY_ORDER[a.category] - CATEGORY_ORDER[b.category] ||
			a.code.display.localeCompare(b.code.display, 'en', { sensitivity: 'base' }) ||
			a.key.split('\u0000')[0].localeCompare(b.key.split('\u0000')[0]) ||
			// One code in several units: the unit used most comes first.
			b.rows.length - a.rows.length ||
			a.unit.localeCompare(b.unit)
	);
	return { charts: out, skipped };
}

/**
 * One sentence describing a chart for a screen reader (the canvas's label):
 * what, how many results over which dates, and the latest values.
 */
export function chartSummary(chart: ObservationChart): string {
	const n = chart.rows.length;
	const first = chart.rows[0];
	const last = chart.rows[n - 1];
	const unit = chart.unit ? ` in ${chart.unit}` : '';
	const names = chart.series.length > 1 ? `${chart.series.map((s) => s.label).join(' and ')}` : chart.title;
	if (!first || !last) return `${names}: no results.`;
	const span = n === 1 ? `1 result on ${dayOf(first.date)}` : `${n} results from ${dayOf(first.date)} to ${dayOf(last.date)}`;
	const latest = chart.series
		.map((s, i) => {
			const cell = latestCell(chart, i);
			if (!cell) return null;
			const flag = cell.flag ? ` (${cell.flag === 'high' ? 'above' : 'below'} the reference range)` : '';
			return chart.series.length > 1 ? `${s.label} ${cell.text}${flag}` : `${cell.text}${flag}`;
		})
		.filter((t) => t !== null)
		.join(', ');
	const units = chart.otherUnits.length > 0 ? ` Also recorded in ${chart.otherUnits.map((u) => u || 'no unit').join(', ')}: shown on a separate chart.` : '';
	return `Chart of ${names}${unit}: ${span}; latest ${latest} on ${dayOf(last.date)}. The same values are in the table below.${units}`;
}

/** A cell's reference range as a person reads it ("4 to 5.6", "up to 200", "from 40"), or '' when it has none. */
export function rangeText(cell: ObservationCell | null): string {
	if (!cell) return '';
	if (cell.low !== undefined && cell.high !== undefined) return `${cell.low} to ${cell.high}`;
	if (cell.high !== undefined) return `up to ${cell.high}`;
	if (cell.low !== undefined) return `from ${cell.low}`;
	return '';
}

/**
 * The vault records that may hold Observations, so the charts decrypt only
 * those: FHIR records of type Observation, and groups (imports, Bundles) whose
 * index lists one or that do not list what they hold.
 */
export function observationSourceRecords(records: readonly VaultRecord[]): VaultRecord[] {
	return records.filter((r) => {
		if (r.kind !== 'fhir') return false;
		if (r.resources) return r.resources.some((s) => s.resourceType === 'Observation');
		return r.resourceType === undefined || r.resourceType === 'Observation' || r.resourceType === 'Bundle';
	});
}

/** The date part of a FHIR date or dateTime, as written ("2024-03-12"). */
export function dayOf(date: string): string {
	return date.slice(0, 10);
}

function latestCell(chart: ObservationChart, i: number): ObservationCell | null {
	for (let r = chart.rows.length - 1; r >= 0; r--) {
		const cell = chart.rows[r].cells[i];
		if (cell) return cell;
	}
	return null;
}

interface ChartBuilder {
	key: string;
	codeKey: string;
	code: ObservationCode;
	category: ObservationCategory;
	unit: string;
	unitCode?: string;
	series: Map<string, ObservationSeries>;
	rows: Array<Omit<ObservationRow, 'cells'> & { cells: Map<string, ObservationCell> }>;
}

interface NumericValue {
	kind: 'number';
	value: number;
	/** The number as written in the JSON, so the table shows what the lab sent. */
	written: string;
	comparator?: string;
	unit: string;
	unitCode?: string;
	/** What decides "the same unit": the UCUM code when there is one, else the unit's text. */
	unitKey: string;
}
type ValueResult = NumericValue | { kind: 'none' } | { kind: 'other' };

const VALUE_FIELDS = ['valueQuantity', 'valueCodeableConcept', 'valueString', 'valueBoolean', 'valueInteger', 'valueRange', 'valueRatio', 'valueSampledData', 'valueTime', 'valueDateTime', 'valuePeriod'];

function valueOf(holder: Obj): ValueResult {
	if (isObject(holder.valueQuantity)) {
		const q = holder.valueQuantity;
		const value = finite(q.value);
		if (value === undefined) return { kind: 'other' };
		const unitCode = str(q.code);
		const unit = str(q.unit) ?? unitCode ?? '';
		const unitKey = unitKeyOf(q) ?? '';
		const comparator = str(q.comparator);
		return { kind: 'number', value, written: String(value), unit, unitKey, ...(unitCode ? { unitCode } : {}), ...(comparator ? { comparator } : {}) };
	}
	const int = finite(holder.valueInteger);
	if (int !== undefined) return { kind: 'number', value: int, written: String(int), unit: '', unitKey: '' };
	return VALUE_FIELDS.some((f) => holder[f] !== undefined) ? { kind: 'other' } : { kind: 'none' };
}

function unitKeyOf(q: Obj): string | undefined {
	const code = str(q.code);
	if (code && (q.system === UCUM || q.system === undefined)) return `ucum:${code}`;
	if (code) return `${str(q.system) ?? ''}|${code}`;
	const unit = str(q.unit);
	return unit ? `text:${unit}` : undefined;
}

function rangeOf(ranges: unknown, unitKey: string): { low?: number; high?: number } {
	for (const r of Array.isArray(ranges) ? ranges : []) {
		if (!isObject(r)) continue;
		// Only the normal range is drawn; "treatment" or "therapeutic" targets are other things.
		const type = isObject(r.type) && Array.isArray(r.type.coding) ? r.type.coding.find((c) => isObject(c) && str(c.code)) : undefined;
		if (type && type.code !== 'normal') continue;
		const out: { low?: number; high?: number } = {};
		for (const side of ['low', 'high'] as const) {
			const q = r[side];
			if (!isObject(q)) continue;
			const v = finite(q.value);
			// A bound in another unit than the value would draw a wrong line: leave it out.
			const key = unitKeyOf(q);
			if (v !== undefined && (key === undefined || key === unitKey)) out[side] = v;
		}
		if (out.low !== undefined || out.high !== undefined) return out;
	}
	return {};
}

function cellOf(v: NumericValue, range: { low?: number; high?: number }): ObservationCell {
	const cell: ObservationCell = { value: v.value, text: `${v.comparator ?? ''}${v.written}${v.unit ? ` ${v.unit}` : ''}` };
	if (v.comparator) cell.comparator = v.comparator;
	if (range.low !== undefined) cell.low = range.low;
	if (range.high !== undefined) cell.high = range.high;
	// A bound such as "<5" is not compared: it says less than the range needs.
	if (!v.comparator) {
		if (range.high !== undefined && v.value > range.high) cell.flag = 'high';
		else if (range.low !== undefined && v.value < range.low) cell.flag = 'low';
	}
	return cell;
}

function codeOf(c: unknown): ObservationCode | undefined {
	if (!isObject(c)) return undefined;
	const codings = (Array.isArray(c.coding) ? c.coding : []).filter((x): x is Obj => isObject(x) && str(x.code) !== undefined);
	// LOINC names the same test the same way across labs; prefer it as the chart's identity.
	const coding = codings.find((x) => x.system === LOINC) ?? codings[0];
	const display = conceptText(c);
	if (coding) {
		const out: ObservationCode = { code: coding.code as string, display: str(coding.display) ?? display ?? (coding.code as string) };
		if (str(c.text)) out.display = c.text as string;
		if (str(coding.system)) out.system = coding.system as string;
		return out;
	}
	return display ? { display } : undefined;
}

function keyOf(code: ObservationCode): string {
	return code.code ? `${code.system ?? ''}|${code.code}` : `text:${code.display.trim().toLowerCase().replace(/\s+/g, ' ')}`;
}

function categoryOf(category: unknown): ObservationCategory {
	for (const c of Array.isArray(category) ? category : []) {
		if (!isObject(c) || !Array.isArray(c.coding)) continue;
		for (const coding of c.coding) {
			if (!isObject(coding) || (coding.system !== undefined && coding.system !== CATEGORY_SYSTEM)) continue;
			if (coding.code === 'vital-signs') return 'vital-signs';
			if (coding.code === 'laboratory') return 'laboratory';
		}
	}
	return 'other';
}

function absentReason(resource: Obj): string {
	const why = conceptText(resource.dataAbsentReason);
	return why ? ` (${why.toLowerCase()})` : '';
}

const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** When an Observation was made: effective[x] (dateTime, period start, instant), else when it was issued. */
function effectiveOf(r: Obj): { time: number; date: string } | undefined {
	const candidates = [r.effectiveDateTime, r.effectiveInstant, isObject(r.effectivePeriod) ? r.effectivePeriod.start : undefined, r.issued];
	for (const c of candidates) {
		if (typeof c !== 'string') continue;
		const time = timeOf(c);
		if (time !== undefined) return { time, date: c };
	}
	return undefined;
}

function timeOf(v: string): number | undefined {
	const m = DATE_TIME.exec(v);
	if (!m) return undefined;
	const [, y, mo = '01', d = '01', h, mi, s = '00', frac = '', zone] = m;
	if (h === undefined) {
		const t = Date.UTC(Number(y), Number(mo) - 1, Number(d));
		// Date.UTC rolls 2021-02-30 over to March; a date that does not exist is not a date.
		const back = new Date(t);
		return back.getUTCMonth() === Number(mo) - 1 && back.getUTCDate() === Number(d) ? t : undefined;
	}
	// FHIR requires a zone with a time; one without is read as UTC rather than as this browser's zone.
	const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone ?? 'Z'}`);
	return Number.isFinite(t) ? t : undefined;
}
