/**
 * One check of FHIR R4 content for everything that reads it (import, proposal
 * accept, the stored records behind the lists, timeline, export and record
 * view). It does not validate all of FHIR: it makes sure a resource is an
 * object with a resourceType, is not nested absurdly deep or large, and that
 * the fields the app reads have the shape the readers expect. What fails is
 * reported with a reason a patient can read, never thrown at the page.
 *
 * Contract: `validateResource` and `readFhirContent` never throw, for any input.
 */
import { SUPPORTED_RESOURCE_TYPES } from './resourceTypes';

export type { FhirResource } from '../../types';
import type { FhirResource } from '../../types';

export type Validation = { ok: true; resource: FhirResource } | { ok: false; reason: string };

/** Deeper than any real resource (Synthea's deepest is about 10 levels); stops stack-deep recursion in readers. */
export const MAX_DEPTH = 64;
/** JSON values (objects, arrays, scalars) in one resource. */
export const MAX_NODES = 200_000;
/** Codes, names, titles, references: texts the app shows as a line. */
export const MAX_SHORT_TEXT = 10_000;

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
// FHIR ids are [A-Za-z0-9-.]{1,64}; some servers stretch that, so: printable, no spaces, bounded.
const FHIR_ID = /^[\x21-\x7e]{1,200}$/;
// FHIR date / dateTime / instant: a year, optionally month, day, time and zone.
const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "a number", "null", "a list", "text", "true/false", "an object": what a patient can picture. */
export function describeValue(v: unknown): string {
	if (v === null) return 'null';
	if (Array.isArray(v)) return 'a list';
	switch (typeof v) {
		case 'string':
			return 'text';
		case 'number':
			return 'a number';
		case 'boolean':
			return 'true/false';
		case 'object':
			return 'an object';
		default:
			return typeof v;
	}
}

class Invalid {
	constructor(readonly reason: string) {}
}

const fail = (path: string, expected: string, got: unknown): never => {
	throw new Invalid(`${path} should be ${expected}, got ${describeValue(got)}`);
};

function shortText(v: unknown, path: string): void {
	if (typeof v !== 'string') fail(path, 'text', v);
	if ((v as string).length > MAX_SHORT_TEXT) throw new Invalid(`${path} is too long (${(v as string).length} characters)`);
}

function optional(o: Obj, key: string, path: string, check: (v: unknown, path: string) => void): void {
	if (o[key] !== undefined) check(o[key], `${path}.${key}`);
}

function list(v: unknown, path: string, item: (v: unknown, path: string) => void): void {
	if (!Array.isArray(v)) fail(path, 'a list', v);
	(v as unknown[]).forEach((x, i) => item(x, `${path}[${i}]`));
}

function object(v: unknown, path: string, what: string): Obj {
	if (!isObj(v)) fail(path, what, v);
	return v as Obj;
}

function dateTime(v: unknown, path: string): void {
	if (typeof v !== 'string') fail(path, 'a date', v);
	if (!DATE_TIME.test(v as string)) throw new Invalid(`${path} is not a date (${JSON.stringify((v as string).slice(0, 40))})`);
}

function coding(v: unknown, path: string): void {
	const c = object(v, path, 'a Coding (an object)');
	for (const k of ['system', 'code', 'display', 'version']) optional(c, k, path, shortText);
}

function codeableConcept(v: unknown, path: string): void {
	const c = object(v, path, 'a CodeableConcept (an object)');
	optional(c, 'text', path, shortText);
	optional(c, 'coding', path, (x, p) => list(x, p, coding));
}

function reference(v: unknown, path: string): void {
	const r = object(v, path, 'a Reference (an object)');
	optional(r, 'reference', path, shortText);
	optional(r, 'display', path, shortText);
}

function period(v: unknown, path: string): void {
	const p = object(v, path, 'a Period (an object)');
	optional(p, 'start', path, dateTime);
	optional(p, 'end', path, dateTime);
}

function annotation(v: unknown, path: string): void {
	const a = object(v, path, 'an Annotation (an object)');
	optional(a, 'text', path, (x, p) => {
		if (typeof x !== 'string') fail(p, 'text', x);
	});
}

function humanName(v: unknown, path: string): void {
	const n = object(v, path, 'a HumanName (an object)');
	optional(n, 'text', path, shortText);
	optional(n, 'family', path, shortText);
	optional(n, 'given', path, (x, p) => list(x, p, shortText));
	optional(n, 'prefix', path, (x, p) => list(x, p, shortText));
}

function identifier(v: unknown, path: string): void {
	const i = object(v, path, 'an Identifier (an object)');
	optional(i, 'system', path, shortText);
	optional(i, 'value', path, shortText);
}

function attachment(v: unknown, path: string): void {
	const a = object(v, path, 'an Attachment (an object)');
	optional(a, 'contentType', path, shortText);
	optional(a, 'title', path, shortText);
	optional(a, 'url', path, shortText);
	optional(a, 'data', path, (x, p) => {
		if (typeof x !== 'string') fail(p, 'base64 text', x);
	});
}

const oneOrMany = (item: (v: unknown, path: string) => void) => (v: unknown, path: string) =>
	Array.isArray(v) ? list(v, path, item) : item(v, path);

const PERSON_TYPES = new Set(['Patient', 'Practitioner', 'RelatedPerson']);

/** The fields the app's readers use (fhirResource, reconcile, export, import, FhirView), by name. */
const FIELDS: Record<string, (v: unknown, path: string, resourceType: string) => void> = {
	status: shortText,
	clinicalStatus: codeableConcept,
	verificationStatus: codeableConcept,
	// One concept in clinical resources; a list in PractitionerRole and a few others.
	code: oneOrMany(codeableConcept),
	medicationCodeableConcept: codeableConcept,
	vaccineCode: codeableConcept,
	// A code in AllergyIntolerance ("allergy"), one or more concepts elsewhere.
	type: (v, p) => (typeof v === 'string' ? shortText(v, p) : oneOrMany(codeableConcept)(v, p)),
	medicationReference: reference,
	subject: oneOrMany(reference),
	patient: oneOrMany(reference),
	beneficiary: oneOrMany(reference),
	for: oneOrMany(reference),
	target: oneOrMany(reference),
	effectiveDateTime: dateTime,
	authoredOn: dateTime,
	onsetDateTime: dateTime,
	recordedDate: dateTime,
	occurrenceDateTime: dateTime,
	performedDateTime: dateTime,
	issued: dateTime,
	date: dateTime,
	dateAsserted: dateTime,
	whenHandedOver: dateTime,
	birthDate: dateTime,
	period,
	performedPeriod: period,
	effectivePeriod: period,
	onsetPeriod: period,
	occurrencePeriod: period,
	note: (v, p) => list(v, p, annotation),
	identifier: oneOrMany(identifier),
	gender: shortText,
	name: (v, p, type) => (PERSON_TYPES.has(type) ? list(v, p, humanName) : shortText(v, p)),
	deviceName: (v, p) =>
		list(v, p, (x, q) => {
			const d = object(x, q, 'a device name (an object)');
			optional(d, 'name', q, shortText);
		}),
	text: (v, p) => {
		const t = object(v, p, 'a Narrative (an object)');
		optional(t, 'div', p, (x, q) => {
			if (typeof x !== 'string') fail(q, 'XHTML text', x);
		});
	},
	content: (v, p, type) => {
		if (type !== 'DocumentReference') return;
		list(v, p, (x, q) => optional(object(x, q, 'a content item (an object)'), 'attachment', q, attachment));
	},
	contained: (v, p) =>
		list(v, p, (x, q) => {
			const r = checkResource(x);
			if (!r.ok) throw new Invalid(`${q}: ${r.reason}`);
		})
};

/** Depth and size, without recursion (a hostile value must not overflow the stack here either). */
function sizeProblem(value: unknown): string | null {
	const stack: Array<[unknown, number]> = [[value, 1]];
	let nodes = 0;
	while (stack.length) {
		const [v, depth] = stack.pop()!;
		if (++nodes > MAX_NODES) return `it is too large (more than ${MAX_NODES.toLocaleString('en')} values)`;
		if (typeof v !== 'object' || v === null) continue;
		if (depth > MAX_DEPTH) return `it is nested too deeply (more than ${MAX_DEPTH} levels)`;
		for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
	}
	return null;
}

function checkResource(value: unknown): Validation {
	if (!isObj(value)) return { ok: false, reason: `not a FHIR resource (got ${describeValue(value)})` };
	const resourceType = value.resourceType;
	if (resourceType === undefined) return { ok: false, reason: 'not a FHIR resource: it has no resourceType' };
	if (typeof resourceType !== 'string' || !RESOURCE_TYPE.test(resourceType))
		return { ok: false, reason: `not a FHIR resource: its resourceType is not a type name (got ${describeValue(resourceType)})` };
	const label = typeof value.id === 'string' && FHIR_ID.test(value.id) ? `${resourceType}/${value.id}` : resourceType;
	if (value.id !== undefined && (typeof value.id !== 'string' || !FHIR_ID.test(value.id)))
		return { ok: false, reason: `${resourceType} has an id that is not a FHIR id (got ${describeValue(value.id)}${typeof value.id === 'string' ? ` ${JSON.stringify(value.id.slice(0, 40))}` : ''})` };
	const size = sizeProblem(value);
	if (size) return { ok: false, reason: `${label}: ${size}` };
	// Conformance and terminology resources are kept as they are: the app reads nothing in them.
	if (SUPPORTED_RESOURCE_TYPES.has(resourceType)) {
		try {
			for (const [field, check] of Object.entries(FIELDS))
				if (Object.hasOwn(value, field) && value[field] !== undefined) check(value[field], field, resourceType);
		} catch (err) {
			if (err instanceof Invalid) return { ok: false, reason: `${label}: ${err.reason}` };
			throw err;
		}
	}
	return { ok: true, resource: value as FhirResource };
}

/**
 * Checks one parsed JSON value as a FHIR R4 resource (not a Bundle's entries:
 * see `readFhirContent`). Never throws.
 *
 * @example
 * validateResource(5) // { ok: false, reason: 'not a FHIR resource (got a number)' }
 */
export function validateResource(value: unknown): Validation {
	try {
		return checkResource(value);
	} catch (err) {
		// Unreachable for JSON values; a getter or proxy could still throw.
		return { ok: false, reason: `it could not be checked (${err instanceof Error ? err.message : String(err)})` };
	}
}

/** What one stored or received FHIR text holds: the readable resources, and a reason for each part that is not. */
export interface FhirContent {
	resources: FhirResource[];
	/** "line 3: not a FHIR resource (got null)", "entry 1: not a FHIR resource (got a number)". */
	problems: string[];
}

function jsonDetail(err: unknown): string {
	const msg = err instanceof Error ? err.message : String(err);
	return msg.length > 120 ? `${msg.slice(0, 117)}...` : msg;
}

function addValue(out: FhirContent, value: unknown, where: string): void {
	const prefix = where ? `${where}: ` : '';
	if (isObj(value) && value.resourceType === 'Bundle') {
		const entries = value.entry ?? [];
		if (!Array.isArray(entries)) {
			out.problems.push(`${prefix}the Bundle's entry should be a list, got ${describeValue(entries)}`);
			return;
		}
		entries.forEach((e: unknown, i) => {
			const at = `${where ? `${where} ` : ''}entry ${i + 1}`;
			if (!isObj(e)) out.problems.push(`${at}: not a Bundle entry (got ${describeValue(e)})`);
			else if (e.resource === undefined) out.problems.push(`${at}: the entry holds no resource`);
			else addValue(out, e.resource, at);
		});
		return;
	}
	const checked = validateResource(value);
	if (checked.ok) out.resources.push(checked.resource);
	else out.problems.push(`${prefix}${checked.reason}`);
}

/**
 * Reads FHIR text as stored in an attachment: one resource, a Bundle (its
 * entries), or NDJSON (one resource per line). Never throws: what cannot be
 * read is listed in `problems`, the rest is returned.
 */
export function readFhirContent(text: string): FhirContent {
	const out: FhirContent = { resources: [], problems: [] };
	try {
		const trimmed = text.trim();
		if (trimmed === '') {
			out.problems.push('it is empty');
			return out;
		}
		let whole: unknown;
		let wholeError: unknown;
		try {
			whole = JSON.parse(trimmed);
		} catch (err) {
			wholeError = err;
		}
		if (wholeError === undefined) {
			addValue(out, whole, '');
			return out;
		}
		const lines = text.split('\n');
		if (lines.filter((l) => l.trim() !== '').length < 2) {
			out.problems.push(`not valid JSON (${jsonDetail(wholeError)})`);
			return out;
		}
		lines.forEach((line, i) => {
			if (line.trim() === '') return;
			let value: unknown;
			try {
				value = JSON.parse(line);
			} catch (err) {
				out.problems.push(`line ${i + 1}: not valid JSON (${jsonDetail(err)})`);
				return;
			}
			addValue(out, value, `line ${i + 1}`);
		});
	} catch (err) {
		// JSON.parse of an absurdly deep text can overflow V8's stack.
		out.problems.push(`it could not be read (${jsonDetail(err)})`);
	}
	return out;
}
