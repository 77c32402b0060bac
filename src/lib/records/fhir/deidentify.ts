/**
 * De-identification of one patient's FHIR R4 resources for research, after
 * the HIPAA Safe Harbor method (45 CFR 164.514(b)(2)): the output is one
 * `collection` Bundle that holds none of the eighteen identifiers.
 *
 * It works by element TYPE, from the official R4 structure (the same schema
 * the export checks against), not by field name: a date is removed or cut to
 * its year wherever it sits (an extension, a Period, a Timing), a HumanName or
 * an Identifier is removed wherever it sits, and text is removed unless it is
 * one of the few kinds known to be coded (a Coding's display). What is not
 * known to be safe is removed. Each rule is one entry of `DEIDENTIFICATION_RULES`
 * (listed in the README); the tests remove each rule in turn and see a leak.
 *
 * Resources are first checked as the export checks them (`prepareForExport`);
 * after de-identification each is checked again and left out, with its
 * reason, if removing identifiers made it invalid R4 (a DocumentReference is
 * nothing but its attachment; a Provenance needs its instant). References to a
 * resource that is not in the Bundle are removed.
 *
 * Pure: the input is never changed.
 */
import { categoryOfResourceType } from '../fhirResource';
import type { Category } from '../model';
import { prepareForExport, type Bundle, type ExportNote } from './export';
import { checkR4 } from './r4';
import { SHARED_TYPES } from './resourceTypes';
import type { FhirResource } from './validate';
import schemaJson from './r4schema.generated.json';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Schema {
	primitives: Record<string, string | null>;
	types: Record<string, { e: Record<string, [string] | [string, 1]> }>;
}
const schema = schemaJson as unknown as Schema;

/** The extension that says a patient's age was grouped (Safe Harbor: "90 or older"). */
export const AGE_GROUP_EXTENSION = 'https://carevault.example/fhir/StructureDefinition/age-group';
export const AGE_GROUP_90_OR_OLDER = '90 or older';

/** Where a value sits, as the rules see it. */
export interface ElementContext {
	/** The R4 type of the value: "HumanName", "dateTime", "string"... */
	type: string;
	/** The type (or backbone path, "Location.position") of the element that holds it. */
	owner: string;
	/** Its name in the owner ("birthDate", "display"). */
	key: string;
	/** The owner's value, to look at siblings. */
	parent: Obj;
	state: DeidState;
}

/** What a rule does with a value: remove it, or replace it. */
export type RuleAction = { remove: true } | { replace: unknown };

export interface DeidentificationRule {
	id: string;
	/** One sentence for the README and the preview. */
	description: string;
	/** Undefined when the rule does not apply to this value. */
	apply(value: unknown, at: ElementContext): RuleAction | undefined;
	/** Runs once per output resource after the walk (the Patient's age group). */
	finish?(resource: Obj, source: FhirResource, state: DeidState): void;
}

interface DeidState {
	/** Source reference (any form) -> new opaque id. */
	ids: Map<string, string>;
	/** Contained resources' ids in the resource being walked -> new local ids. */
	local: Map<string, string>;
	/** Dates in or before this year show an age over 89. */
	oldestYearKept: number;
}

const REMOVE: RuleAction = { remove: true };
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'Money']);
const yearOf = (v: unknown): number | undefined => (typeof v === 'string' && /^\d{4}/.test(v) ? Number(v.slice(0, 4)) : undefined);

function codingDisplays(parent: Obj): string[] {
	const codings = Array.isArray(parent.coding) ? parent.coding : [];
	return codings.filter(isObj).map((c) => (typeof c.display === 'string' ? c.display.trim().toLowerCase() : '')).filter(Boolean);
}

/**
 * The rules, in the order they are asked; the first that applies decides.
 * A value no rule touches is kept: so every kind of value that can identify
 * someone must be covered by a rule here (text and URLs are removed unless
 * known to be coded).
 */
export const DEIDENTIFICATION_RULES: readonly DeidentificationRule[] = [
	{
		id: 'names',
		description: 'Names (HumanName anywhere: the patient, relatives, contacts, practitioners) are removed.',
		apply: (_v, at) => (at.type === 'HumanName' ? REMOVE : undefined)
	},
	{
		id: 'addresses',
		description:
			'Addresses keep only the state and the country: lines, city, district (county), postal code, period and extensions (geolocation) are removed. The first three ZIP digits are not kept either (Safe Harbor would allow them for areas of more than 20,000 people; checking that needs census tables, so Carevault drops the whole code).',
		apply: (v, at) => {
			if (at.type !== 'Address' || !isObj(v)) return undefined;
			const kept: Obj = {};
			if (typeof v.state === 'string') kept.state = v.state;
			if (typeof v.country === 'string') kept.country = v.country;
			return { replace: kept };
		}
	},
	{
		id: 'geolocation',
		description: 'Map positions (Location.position: latitude, longitude, altitude) are removed.',
		apply: (_v, at) => (at.owner === 'Location' && at.key === 'position' ? REMOVE : undefined)
	},
	{
		id: 'telecom',
		description: 'Phone numbers, fax numbers, email addresses and every other contact point are removed.',
		apply: (_v, at) => (at.type === 'ContactPoint' ? REMOVE : undefined)
	},
	{
		id: 'identifiers',
		description:
			'Identifiers of every kind are removed: medical record, social security, driver licence, passport, insurance, device, encounter and order numbers (every Identifier, and values typed id, oid or uuid).',
		apply: (_v, at) => (at.type === 'Identifier' || at.type === 'id' || at.type === 'oid' || at.type === 'uuid' ? REMOVE : undefined)
	},
	{
		id: 'attachments',
		description: 'Photos, documents and every other attachment (inline data or a link to it) are removed, with signatures and any other binary data.',
		apply: (_v, at) => (at.type === 'Attachment' || at.type === 'Signature' || at.type === 'base64Binary' ? REMOVE : undefined)
	},
	{
		id: 'narratives',
		description: 'Narratives (the human-readable text of a resource) and notes (Annotation) are removed.',
		apply: (_v, at) => (at.type === 'Narrative' || at.type === 'Annotation' || at.type === 'xhtml' ? REMOVE : undefined)
	},
	{
		id: 'ages-over-89',
		description:
			'Ages over 89 are grouped: an Age of 90 or more becomes ">= 90 years"; the birth date of a patient who is 90 or older (or would be, counting from the birth year) is removed and replaced by the extension "90 or older"; any date in a year that would show an age over 89 is removed.',
		apply: (v, at) => {
			if (DATE_TYPES.has(at.type)) {
				const year = yearOf(v);
				return year !== undefined && year <= at.state.oldestYearKept ? REMOVE : undefined;
			}
			if (at.type === 'Age' && isObj(v) && typeof v.value === 'number' && v.value >= 90) {
				// Ages are in years unless the unit says otherwise; only years can pass 89.
				const code = typeof v.code === 'string' ? v.code : 'a';
				if (code !== 'a') return undefined;
				return { replace: { value: 90, comparator: '>=', unit: 'years', system: 'http://unitsofmeasure.org', code: 'a' } };
			}
			return undefined;
		},
		finish: (resource, source, state) => {
			if (source.resourceType !== 'Patient') return;
			const year = yearOf((source as Obj).birthDate);
			// Born in the year that is 90 years back: 89 or 90 now; grouped, as the safe side.
			if (year === undefined || year > state.oldestYearKept) return;
			delete resource.birthDate;
			const ext = Array.isArray(resource.extension) ? resource.extension : [];
			resource.extension = [...ext, { url: AGE_GROUP_EXTENSION, valueString: AGE_GROUP_90_OR_OLDER }];
		}
	},
	{
		id: 'dates',
		description:
			'Every date (birth, death, admission, onset, recording, authoring, in extensions, periods and schedules) keeps its year only; timestamps (instant: meta.lastUpdated, Observation.issued) are removed, as R4 requires a full date in them.',
		apply: (v, at) => {
			if (at.type === 'instant') return REMOVE;
			if (at.type !== 'date' && at.type !== 'dateTime') return undefined;
			return typeof v === 'string' && /^\d{4}/.test(v) ? { replace: v.slice(0, 4) } : REMOVE;
		}
	},
	{
		id: 'references',
		description:
			'References are rewritten to fresh random ids, the same within the Bundle; contained resources get new local ids (and go through every rule); a reference to anything outside the Bundle (another server, a conditional reference that matches nothing) is removed, and so is a reference\'s display text.',
		apply: (v, at) => {
			if (at.owner !== 'Reference' || at.key !== 'reference') return undefined;
			if (typeof v === 'string' && v.startsWith('#')) {
				// A reference inside the resource: "#" (the container) or a contained resource's new local id.
				const local = v === '#' ? '#' : at.state.local.get(v.slice(1));
				return local ? { replace: local === '#' ? '#' : `#${local}` } : REMOVE;
			}
			const target = typeof v === 'string' ? at.state.ids.get(normaliseReference(v)) : undefined;
			return target ? { replace: `urn:uuid:${target}` } : REMOVE;
		}
	},
	{
		id: 'urls',
		description:
			'URLs and URIs are removed, except the code system of a code or a unit, the URL naming an extension, and the profiles a resource claims: those name a standard, not a person.',
		apply: (_v, at) => {
			if (at.type !== 'uri' && at.type !== 'url' && at.type !== 'canonical') return undefined;
			const standard =
				(at.key === 'system' && (at.owner === 'Coding' || QUANTITY_TYPES.has(at.owner))) ||
				(at.key === 'url' && at.owner === 'Extension') ||
				(at.key === 'profile' && at.owner === 'Meta');
			return standard ? undefined : REMOVE;
		}
	},
	{
		id: 'free-text',
		description:
			'Free text is removed (strings and markdown: comments, instructions, descriptions, names of organisations and places, lot and serial numbers, a reference\'s display, extension text such as a mother\'s maiden name). Kept: the display of a code, the text of a coded concept when it repeats one of its codes\' displays, and the unit of a quantity, and the model name of a device.',
		apply: (v, at) => {
			if (at.type !== 'string' && at.type !== 'markdown') return undefined;
			if (at.owner === 'Coding' && at.key === 'display') return undefined;
			if (QUANTITY_TYPES.has(at.owner) && at.key === 'unit') return undefined;
			// A device's model name ("Implantable defibrillator"), required by R4; serial and lot numbers are other fields.
			if (at.owner === 'Device.deviceName' && at.key === 'name') return undefined;
			if (at.owner === 'CodeableConcept' && at.key === 'text' && typeof v === 'string' && codingDisplays(at.parent).includes(v.trim().toLowerCase()))
				return undefined;
			return REMOVE;
		}
	}
];

/** "Patient/x", "urn:uuid:x", "http://host/fhir/Patient/x", "Patient?identifier=s|v": one key per form. */
function normaliseReference(ref: string): string {
	const trimmed = ref.trim();
	if (trimmed.startsWith('urn:')) return trimmed;
	const conditional = /^([A-Z][A-Za-z]+)\?identifier=(.*)$/.exec(trimmed);
	if (conditional) return `${conditional[1]}?identifier=${decodeURIComponent(conditional[2])}`;
	const typed = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(trimmed);
	return typed ? `${typed[1]}/${typed[2]}` : trimmed;
}

const EMPTY = Symbol('empty');

function walk(type: string, value: unknown, owner: string, key: string, parent: Obj, rules: readonly DeidentificationRule[], state: DeidState): unknown {
	if (value === null || value === undefined) return EMPTY;
	const at: ElementContext = { type, owner, key, parent, state };
	for (const rule of rules) {
		const action = rule.apply(value, at);
		if (!action) continue;
		// A replacement is the rule's whole answer: it is not walked again.
		return 'remove' in action ? EMPTY : action.replace;
	}
	if (!schema.types[type]) return value; // a primitive
	if (!isObj(value)) return EMPTY;
	return walkObject(type, value, rules, state);
}

function walkObject(type: string, value: Obj, rules: readonly DeidentificationRule[], state: DeidState): unknown {
	const def = schema.types[type];
	const out: Obj = {};
	for (const [k, child] of Object.entries(value)) {
		if (k === 'resourceType') {
			out[k] = child;
			continue;
		}
		// `_x` holds a primitive's id and extensions: never needed, possibly identifying.
		const el = def.e[k];
		if (!el) continue;
		const [childType] = el;
		if (k === 'contained') {
			// Contained resources go through the same rules as their own type; local ids are renumbered.
			const items = (Array.isArray(child) ? child : [child])
				.filter((c): c is Obj => isObj(c) && typeof c.resourceType === 'string' && c.resourceType in schema.types)
				.map((c) => {
					const w = walkObject(c.resourceType as string, c, rules, state);
					const id = typeof c.id === 'string' ? state.local.get(c.id) : undefined;
					return w === EMPTY || !id ? EMPTY : { ...(w as Obj), id };
				})
				.filter((x) => x !== EMPTY);
			if (items.length) out[k] = items;
			continue;
		}
		if (Array.isArray(child)) {
			const items = child.map((item) => walk(childType, item, type, k, value, rules, state)).filter((x) => x !== EMPTY);
			if (items.length) out[k] = items;
		} else {
			const w = walk(childType, child, type, k, value, rules, state);
			if (w !== EMPTY) out[k] = w;
		}
	}
	// An extension with neither a value nor extensions left is invalid (ext-1) and says nothing.
	if (type === 'Extension' && Object.keys(out).every((k) => k === 'url')) return EMPTY;
	return Object.keys(out).length ? out : EMPTY;
}

export interface DeidentifyOptions {
	/** Only resources of these categories (the Patient, and what they refer to, always come along). All when absent. */
	categories?: readonly Category[];
	/** When the data is released: ages are counted to this date. */
	now?: Date;
	/** Makes the opaque ids (a random UUID by default). */
	newId?: () => string;
	/** The rules to apply (all by default; tests remove one to see it matters). */
	rules?: readonly DeidentificationRule[];
}

export interface DeidentifiedBundle {
	bundle: Bundle;
	/** Source resources not in the Bundle, and why (their labels are source ids: show them only to the patient). */
	leftOut: ExportNote[];
	/** Resources in the Bundle per resource type. */
	counts: Record<string, number>;
}

function referenceKeys(r: FhirResource): string[] {
	const keys = [`${r.resourceType}/${r.id}`, `urn:uuid:${r.id}`];
	const identifiers = (r as Obj).identifier;
	if (Array.isArray(identifiers))
		for (const i of identifiers.filter(isObj))
			if (typeof i.value === 'string') keys.push(`${r.resourceType}?identifier=${typeof i.system === 'string' ? `${i.system}|` : ''}${i.value}`);
	return keys;
}

function collectReferences(value: unknown, out: Set<string>): void {
	if (Array.isArray(value)) for (const v of value) collectReferences(v, out);
	else if (isObj(value))
		for (const [k, v] of Object.entries(value)) {
			if (k === 'reference' && typeof v === 'string') out.add(normaliseReference(v));
			else if (k !== 'contained') collectReferences(v, out);
		}
}

/**
 * One patient's resources (as `selectPatient` gives them: the Patient first,
 * then its resources and the shared ones they refer to) as a de-identified R4
 * `collection` Bundle. Resources of other categories are left out; the Patient
 * and the practitioners, organisations, locations and medications that the
 * chosen resources refer to come along (de-identified).
 */
export function deidentifyPatient(resources: readonly FhirResource[], options: DeidentifyOptions = {}): DeidentifiedBundle {
	const rules = options.rules ?? DEIDENTIFICATION_RULES;
	const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
	const now = options.now ?? new Date();
	const prepared = prepareForExport(resources);
	const leftOut: ExportNote[] = [...prepared.leftOut];
	const label = (r: FhirResource) => (r.id ? `${r.resourceType}/${r.id}` : r.resourceType);

	const wanted = options.categories ? new Set<string>(options.categories) : undefined;
	const chosen: FhirResource[] = [];
	const shared: FhirResource[] = [];
	for (const r of prepared.resources) {
		if (SHARED_TYPES.has(r.resourceType)) shared.push(r);
		else if (r.resourceType === 'Patient' || !wanted || wanted.has(categoryOfResourceType(r.resourceType))) chosen.push(r);
		else leftOut.push({ resourceType: r.resourceType, ...(r.id ? { id: r.id } : {}), label: label(r), reason: 'its category is not part of this study' });
	}
	// Shared resources come along only when something chosen refers to them (transitively).
	const byKey = new Map<string, FhirResource>();
	for (const r of shared) if (r.id) for (const k of referenceKeys(r)) byKey.set(k, r);
	const included = new Set(chosen);
	const work = [...chosen];
	while (work.length) {
		const refs = new Set<string>();
		collectReferences(work.pop(), refs);
		for (const ref of refs) {
			const target = byKey.get(ref);
			if (target && !included.has(target)) {
				included.add(target);
				work.push(target);
			}
		}
	}
	let kept = prepared.resources.filter((r) => included.has(r));
	for (const r of shared) if (!included.has(r)) leftOut.push({ resourceType: r.resourceType, ...(r.id ? { id: r.id } : {}), label: label(r), reason: 'nothing in this study refers to it' });

	const newIds = new Map(kept.map((r) => [r, newId()]));
	const state: DeidState = { ids: new Map(), local: new Map(), oldestYearKept: now.getUTCFullYear() - 90 };
	const index = () => {
		state.ids.clear();
		for (const r of kept) if (r.id) for (const k of referenceKeys(r)) state.ids.set(k, newIds.get(r)!);
	};
	// Leaving a resource out removes references to it, which may leave another invalid: repeat until none is.
	for (;;) {
		index();
		const out: Array<{ source: FhirResource; resource: Obj }> = [];
		const invalid: ExportNote[] = [];
		for (const source of kept) {
			state.local.clear();
			const contained = (source as Obj).contained;
			if (Array.isArray(contained)) contained.filter(isObj).forEach((c, i) => typeof c.id === 'string' && state.local.set(c.id, `c${i + 1}`));
			const walked = walkObject(source.resourceType, source as Obj, rules, state);
			const resource: Obj = walked === EMPTY ? { resourceType: source.resourceType } : (walked as Obj);
			for (const rule of rules) rule.finish?.(resource, source, state);
			resource.id = newIds.get(source);
			const checked = checkR4(resource);
			if (checked.ok) out.push({ source, resource: checked.resource });
			else invalid.push({ resourceType: source.resourceType, ...(source.id ? { id: source.id } : {}), label: label(source), reason: `without its identifying parts it is not valid FHIR R4 (${checked.reason})` });
		}
		if (invalid.length === 0) {
			const counts: Record<string, number> = {};
			for (const { resource } of out) counts[resource.resourceType as string] = (counts[resource.resourceType as string] ?? 0) + 1;
			return {
				bundle: {
					resourceType: 'Bundle',
					type: 'collection',
					entry: out.map(({ resource }) => ({ fullUrl: `urn:uuid:${resource.id}`, resource: resource as FhirResource }))
				},
				leftOut,
				counts
			};
		}
		leftOut.push(...invalid);
		const gone = new Set(invalid.map((n) => n.label));
		kept = kept.filter((r) => !gone.has(label(r)));
	}
}
