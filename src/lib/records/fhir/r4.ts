/**
 * Makes stored resources fit FHIR R4 for export, or says why one cannot.
 *
 * Real EHR data breaks R4 in small ways. The export repairs a resource only
 * where the repair loses nothing clinical, and otherwise leaves it out with a
 * reason the patient sees:
 *
 * Repaired (nothing clinical lost):
 *   - empty values ("", {}, [], null) removed (R4 ele-1: no empty elements);
 *   - spaces around codes and URIs removed; "5" where a number belongs written
 *     as 5, "true" as true; a list of one where one value belongs unwrapped,
 *     one value where a list belongs wrapped;
 *   - a generated narrative that is not valid XHTML removed (it is derived
 *     from the structured data, which stays);
 *   - the clinicalStatus of a Condition or AllergyIntolerance that is
 *     entered-in-error removed (con-5, ait-2: the resource is withdrawn);
 *   - version metadata inside contained resources removed (dom-4);
 *   - a Quantity whose code repeats its unit without a system loses the code (qty-3);
 *   - legacy `fhir_comments` removed.
 * Left out:
 *   - a field R4 does not define, a value of the wrong type or format (a date
 *     such as 01/02/2020, an invalid id), a required field missing, several
 *     values where one belongs, a contained resource of a type not checked;
 *   - invariants whose repair would change meaning: con-4 (abated but active),
 *     ait-1 (no clinicalStatus), obs-6 (value and dataAbsentReason), obs-7,
 *     ext-1 (value and extensions), per-1 (period ends before it starts),
 *     dom-2, dom-3, dom-5, ref-1, att-1, cpt-2, qty-3 otherwise, pat-1.
 *
 * The element structure comes from the official R4 StructureDefinitions
 * (r4schema.generated.json, written by scripts/gen-fhir-schema.mjs); tests
 * check every exported Bundle with an independent validator (@medplum/core).
 * Pure: the input is never changed; the result is a repaired copy.
 */
import schemaJson from './r4schema.generated.json';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Schema {
	primitives: Record<string, string | null>;
	resources: string[];
	types: Record<string, { e: Record<string, [string] | [string, 1]>; req?: string[][] }>;
}
const schema = schemaJson as unknown as Schema;
const RESOURCES = new Set(schema.resources);
const PRIMITIVE = new Map<string, RegExp | null>(
	Object.entries(schema.primitives).map(([k, v]) => [k, v === null || k === 'base64Binary' ? null : new RegExp(`^(?:${v})$`)])
);
// The spec's base64 pattern backtracks badly on megabytes of data; this one is linear.
// R4's base64Binary: groups of four, padding only at the end (whitespace between them is allowed).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);
const TRIMMED_TYPES = new Set(['code', 'uri', 'url', 'canonical', 'id', 'oid', 'uuid']);

export type R4Check = { ok: true; resource: Record<string, unknown> & { resourceType: string }; repairs: string[] } | { ok: false; reason: string };

class LeaveOut {
	constructor(readonly reason: string) {}
}

interface Ctx {
	repairs: Set<string>;
}

const EMPTY = Symbol('empty');

function checkPrimitive(type: string, value: unknown, path: string, ctx: Ctx): unknown {
	if (value === null || value === '') {
		ctx.repairs.add('empty values removed');
		return EMPTY;
	}
	if (type === 'boolean') {
		if (typeof value === 'boolean') return value;
		if (value === 'true' || value === 'false') {
			ctx.repairs.add('true/false written as text turned into true/false');
			return value === 'true';
		}
		throw new LeaveOut(`${path} should be true or false`);
	}
	const regex = PRIMITIVE.get(type);
	if (NUMBER_TYPES.has(type)) {
		let n = value;
		if (typeof n === 'string' && regex?.test(n.trim())) {
			ctx.repairs.add('numbers written as text turned into numbers');
			n = Number(n.trim());
		}
		if (typeof n !== 'number' || !Number.isFinite(n)) throw new LeaveOut(`${path} should be a number`);
		if (type !== 'decimal' && !Number.isInteger(n)) throw new LeaveOut(`${path} should be a whole number`);
		if ((type === 'positiveInt' && n < 1) || (type === 'unsignedInt' && n < 0) || (type !== 'decimal' && Math.abs(n) > 2_147_483_647))
			throw new LeaveOut(`${path} is out of range`);
		return n;
	}
	if (typeof value !== 'string') throw new LeaveOut(`${path} should be text`);
	let s = value;
	if (TRIMMED_TYPES.has(type) && s.trim() !== s) {
		s = s.trim();
		ctx.repairs.add('spaces around codes and addresses removed');
		if (s === '') return EMPTY;
	}
	// R4 strings carry content: one of only spaces says nothing, so dropping it loses nothing (the
	// independent validator refuses it, and so would most servers).
	if (s.trim() === '') {
		ctx.repairs.add('blank texts removed');
		return EMPTY;
	}
	if (type === 'base64Binary' ? !BASE64.test(s.replace(/\s+/g, '')) : regex && !regex.test(s))
		throw new LeaveOut(`${path} is not a valid R4 ${type} (${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)})`);
	return s;
}

const XHTML_START = /^\s*<div\s[^>]*xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml["']/;
const XHTML_FORBIDDEN = /<\s*(script|style|iframe|object|embed|form|input|button|base|link|meta|head|body|html)\b|\son[a-z]+\s*=|javascript:/i;

/** R4 txt-1 / txt-2, as far as text can tell: an XHTML div with content and nothing active. */
function validNarrativeDiv(div: unknown): boolean {
	if (typeof div !== 'string' || !XHTML_START.test(div) || XHTML_FORBIDDEN.test(div) || !/<\/div>\s*$/.test(div)) return false;
	return div.replace(/<[^>]*>/g, '').trim() !== '' || /<img\b/i.test(div);
}

function walkValue(type: string, value: unknown, path: string, ctx: Ctx, inContained: boolean): unknown {
	if (PRIMITIVE.has(type)) {
		if (type === 'xhtml') return typeof value === 'string' && value !== '' ? value : EMPTY;
		return checkPrimitive(type, value, path, ctx);
	}
	if (value === null) {
		ctx.repairs.add('empty values removed');
		return EMPTY;
	}
	if (!isObj(value)) throw new LeaveOut(`${path} should be an object (${type})`);
	if (type === 'Resource') return walkResource(value, path, ctx, inContained);
	return walkObject(type, value, path, ctx, inContained);
}

function walkResource(value: Obj, path: string, ctx: Ctx, inContained: boolean): Obj | typeof EMPTY {
	const rt = value.resourceType;
	if (typeof rt !== 'string' || !RESOURCES.has(rt)) throw new LeaveOut(`${path} holds a ${typeof rt === 'string' ? rt : 'resource'} that Carevault does not check`);
	if (inContained) {
		if (value.contained !== undefined) throw new LeaveOut(`${path} is a contained resource that contains others (R4 dom-2)`);
		const meta = isObj(value.meta) ? value.meta : undefined;
		if (meta && (meta.versionId !== undefined || meta.lastUpdated !== undefined)) {
			const rest = { ...meta };
			delete rest.versionId;
			delete rest.lastUpdated;
			value = { ...value, meta: rest };
			ctx.repairs.add('version details inside contained resources removed');
		}
		if (meta && meta.security !== undefined) throw new LeaveOut(`${path} is a contained resource with security labels (R4 dom-5)`);
	}
	if (value.id !== undefined && (typeof value.id !== 'string' || !RESOURCE_ID.test(value.id)))
		throw new LeaveOut(`its id ${JSON.stringify(String(value.id).slice(0, 80))} is not a valid FHIR id (letters, digits, "-" and ".", at most 64)`);
	const out = walkObject(rt, value, path, ctx, inContained);
	if (out === EMPTY) return EMPTY;
	invariants(rt, out, path, ctx, inContained);
	return out;
}

function walkObject(type: string, value: Obj, path: string, ctx: Ctx, inContained: boolean): Obj | typeof EMPTY {
	const def = schema.types[type];
	if (!def) throw new LeaveOut(`${path} is a ${type}, which Carevault does not check`);
	const out: Obj = {};
	for (const key of Object.keys(value)) {
		const v = value[key];
		const where = `${path}.${key}`;
		if (key === 'resourceType' && RESOURCES.has(type)) {
			out[key] = v;
			continue;
		}
		if (key === 'fhir_comments') {
			ctx.repairs.add('comments from an old FHIR version removed');
			continue;
		}
		if (key.startsWith('_')) {
			// Extensions on a primitive (`_birthDate`): kept as they are when their element exists.
			const el = def.e[key.slice(1)];
			if (!el || !PRIMITIVE.has(el[0])) throw new LeaveOut(`${where} is not an R4 field of ${type}`);
			const checked = Array.isArray(v) ? v.map((x) => (x === null ? null : walkObject('Element', x as Obj, where, ctx, inContained))) : walkObject('Element', v as Obj, where, ctx, inContained);
			if (checked !== EMPTY) out[key] = checked;
			continue;
		}
		const el = def.e[key];
		if (!el) throw new LeaveOut(`${where}: FHIR R4 has no field "${key}" here`);
		const [elType, many] = el;
		const nextContained = inContained || (type !== 'Bundle.entry' && key === 'contained');
		if (many) {
			let items: unknown[];
			if (Array.isArray(v)) items = v;
			else {
				items = [v];
				if (v !== null && v !== '') ctx.repairs.add('single values where R4 wants a list put in a list');
			}
			const kept = items.map((x, i) => walkValue(elType, x, `${where}[${i}]`, ctx, nextContained)).filter((x) => x !== EMPTY);
			if (kept.length < items.length || items.length === 0) ctx.repairs.add('empty values removed');
			if (kept.length) out[key] = kept;
		} else {
			let single = v;
			if (Array.isArray(v)) {
				const present = v.filter((x) => x !== null && x !== '');
				if (present.length > 1) throw new LeaveOut(`${where} holds ${present.length} values where FHIR R4 allows one`);
				ctx.repairs.add('lists of one where R4 wants one value unwrapped');
				single = present[0] ?? null;
			}
			const checked = walkValue(elType, single, where, ctx, nextContained);
			if (checked !== EMPTY) out[key] = checked;
		}
	}
	if (type === 'Narrative' && !validNarrativeDiv(out.div)) {
		if (out.status === 'generated' || out.div === undefined) {
			ctx.repairs.add('a generated narrative that was not valid XHTML removed');
			return EMPTY;
		}
		throw new LeaveOut(`${path} is a narrative written by hand that is not valid XHTML`);
	}
	if (type === 'Extension') {
		const hasValue = Object.keys(out).some((k) => k.startsWith('value'));
		const hasExtensions = Array.isArray(out.extension);
		if (hasValue && hasExtensions) throw new LeaveOut(`${path} has both a value and extensions (R4 ext-1)`);
		if (!hasValue && !hasExtensions) {
			if (path.includes('modifierExtension')) throw new LeaveOut(`${path} is a modifier extension without a value`);
			ctx.repairs.add('empty values removed');
			return EMPTY;
		}
	}
	if (type === 'Quantity' || type === 'Age' || type === 'Duration' || type === 'Distance' || type === 'Count') {
		if (out.code !== undefined && out.system === undefined) {
			if (out.unit === out.code) {
				delete out.code;
				ctx.repairs.add('unit codes without a unit system removed (the unit stays)');
			} else throw new LeaveOut(`${path} has a unit code without a unit system (R4 qty-3)`);
		}
	}
	if (type === 'Period' && typeof out.start === 'string' && typeof out.end === 'string' && comparable(out.start, out.end) && out.start > out.end)
		throw new LeaveOut(`${path} ends before it starts (R4 per-1)`);
	if (type === 'Attachment' && out.data !== undefined && out.contentType === undefined) throw new LeaveOut(`${path} has data without a content type (R4 att-1)`);
	if (type === 'ContactPoint' && out.value !== undefined && out.system === undefined) throw new LeaveOut(`${path} has a value without a system (R4 cpt-2)`);
	if (Object.keys(out).length === 0) {
		ctx.repairs.add('empty values removed');
		return EMPTY;
	}
	for (const group of def.req ?? [])
		if (!group.some((k) => out[k] !== undefined)) throw new LeaveOut(`${path}.${choiceName(group)} is required by FHIR R4 and missing`);
	return out;
}

/** "medication" for medicationCodeableConcept/medicationReference; the name itself when there is no choice. */
function choiceName(group: readonly string[]): string {
	if (group.length === 1) return group[0];
	let prefix = group[0];
	for (const k of group) while (!k.startsWith(prefix)) prefix = prefix.slice(0, -1);
	return prefix;
}

// Same precision dates compare as text; otherwise only their common date part is trusted.
function comparable(a: string, b: string): boolean {
	return a.length === b.length && a.length <= 10;
}

function hasCoding(concept: unknown, system: string, codes: readonly string[]): boolean {
	const codings = isObj(concept) && Array.isArray(concept.coding) ? concept.coding : [];
	return codings.some((c) => isObj(c) && c.system === system && typeof c.code === 'string' && codes.includes(c.code));
}

const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';

function collectRefs(value: unknown, out: string[]): void {
	if (Array.isArray(value)) for (const v of value) collectRefs(v, out);
	else if (isObj(value))
		for (const [k, v] of Object.entries(value)) {
			if (k === 'reference' && typeof v === 'string') out.push(v);
			else collectRefs(v, out);
		}
}

/** The error-level invariants of the common types whose repair is clear (see the header). */
function invariants(type: string, r: Obj, path: string, ctx: Ctx, inContained: boolean): void {
	const abated = Object.keys(r).some((k) => k.startsWith('abatement'));
	if (type === 'Condition') {
		if (hasCoding(r.verificationStatus, CONDITION_VERIFICATION, ['entered-in-error']) && r.clinicalStatus !== undefined) {
			delete r.clinicalStatus;
			ctx.repairs.add('the clinical status of a withdrawn (entered-in-error) resource removed');
		}
		if (abated && !hasCoding(r.clinicalStatus, CONDITION_CLINICAL, ['inactive', 'resolved', 'remission']))
			throw new LeaveOut('it is abated but its clinical status is not inactive, resolved or remission (R4 con-4)');
	}
	if (type === 'AllergyIntolerance') {
		const withdrawn = hasCoding(r.verificationStatus, ALLERGY_VERIFICATION, ['entered-in-error']);
		if (withdrawn && r.clinicalStatus !== undefined) {
			delete r.clinicalStatus;
			ctx.repairs.add('the clinical status of a withdrawn (entered-in-error) resource removed');
		}
		if (!withdrawn && r.clinicalStatus === undefined) throw new LeaveOut('it has no clinical status (R4 ait-1)');
	}
	if (type === 'Observation') {
		const hasValue = Object.keys(r).some((k) => k.startsWith('value'));
		if (hasValue && r.dataAbsentReason !== undefined) throw new LeaveOut('it has both a value and a reason the value is absent (R4 obs-6)');
		const codes = new Set(
			(isObj(r.code) && Array.isArray(r.code.coding) ? r.code.coding : []).filter(isObj).map((c) => `${String(c.system)}|${String(c.code)}`)
		);
		const components = Array.isArray(r.component) ? r.component.filter(isObj) : [];
		if (hasValue && components.some((c) => (isObj(c.code) && Array.isArray(c.code.coding) ? c.code.coding : []).some((x) => isObj(x) && codes.has(`${String(x.system)}|${String(x.code)}`))))
			throw new LeaveOut('a component repeats the observation\'s own code while it has a value (R4 obs-7)');
	}
	if (type === 'Patient' && Array.isArray(r.contact))
		for (const c of r.contact as Obj[])
			if (!c.name && !c.telecom && !c.address && !c.organization) throw new LeaveOut('a contact has no name, telecom, address or organization (R4 pat-1)');
	// A contained resource's `#` references point into its container, checked there.
	if (inContained) return;
	const contained = Array.isArray(r.contained) ? (r.contained as Obj[]) : [];
	const refs: string[] = [];
	collectRefs(r, refs);
	for (const ref of refs)
		if (ref.startsWith('#') && ref !== '#' && !contained.some((c) => `#${String(c.id)}` === ref))
			throw new LeaveOut(`${path} refers to a contained ${ref} that is not there (R4 ref-1)`);
	for (const c of contained) {
		const id = typeof c.id === 'string' ? c.id : '';
		if (!refs.includes(`#${id}`) && !refs.includes('#')) throw new LeaveOut(`${path} contains a ${String(c.resourceType)} that nothing refers to (R4 dom-3)`);
	}
}

/** Checks one resource against FHIR R4; a repaired copy, or why it must be left out. Never throws. */
export function checkR4(resource: unknown): R4Check {
	const ctx: Ctx = { repairs: new Set() };
	try {
		if (!isObj(resource)) return { ok: false, reason: 'it is not a FHIR resource' };
		const out = walkResource(resource, typeof resource.resourceType === 'string' ? resource.resourceType : 'resource', ctx, false);
		if (out === EMPTY) return { ok: false, reason: 'it holds nothing' };
		return { ok: true, resource: out as R4Check extends { resource: infer R } ? R : never, repairs: [...ctx.repairs] };
	} catch (err) {
		if (err instanceof LeaveOut) return { ok: false, reason: err.reason };
		// A stack overflow on absurd nesting, or anything unforeseen: the resource stays out, the export goes on.
		return { ok: false, reason: 'it could not be checked' };
	}
}
