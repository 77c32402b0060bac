/**
 * FHIR R4 export: the vault (or a scope of it) as a `collection` Bundle, and a
 * patient summary in the spirit of the International Patient Summary: a
 * `document` Bundle whose first entry is a Composition with medication,
 * allergy and problem sections built from the reconciled current lists.
 * Resources are written as they were stored, so an export re-imports to the
 * same resources, except for the lossless R4 repairs of `checkR4`. Every export
 * is valid FHIR R4 (`prepareForExport`): what cannot be repaired without
 * losing something clinical is left out and listed, no two entries share a
 * `fullUrl`, and anything that is not a readable resource is left out.
 */
import { currentLists, type CurrentLists, type ListItem } from '../reconcile';
import { InvalidFhirError } from '../errors';
import { canonicalJson, compareVersions } from '../dedupe';
import { isEnteredInError } from '../fhirResource';
import { checkR4 } from './r4';
import { validateResource, type FhirResource } from './validate';

export interface BundleEntry {
	fullUrl: string;
	resource: FhirResource;
}

export interface Bundle {
	resourceType: 'Bundle';
	id?: string;
	type: 'collection' | 'document';
	identifier?: { system: string; value: string };
	timestamp?: string;
	entry: BundleEntry[];
}

export interface ExportOptions {
	/** Makes ids for the Bundle, the Composition and resources without an id (a random UUID by default). */
	newId?: () => string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const randomId = () => globalThis.crypto.randomUUID();

/** `urn:uuid:<id>` when the id is a UUID (as Synthea's are), else `<Type>/<id>`. */
export function fullUrlOf(resource: FhirResource, newId: () => string = randomId): string {
	if (!resource.id) return `urn:uuid:${newId()}`;
	return UUID.test(resource.id) ? `urn:uuid:${resource.id}` : `${resource.resourceType}/${resource.id}`;
}

/** The inputs that are readable FHIR resources, and the position and reason of each left out. */
export function readableResources(inputs: readonly unknown[]): { resources: FhirResource[]; excluded: Array<{ index: number; reason: string }> } {
	const resources: FhirResource[] = [];
	const excluded: Array<{ index: number; reason: string }> = [];
	inputs.forEach((input, index) => {
		const checked = validateResource(input);
		if (checked.ok) resources.push(checked.resource);
		else excluded.push({ index, reason: checked.reason });
	});
	return { resources, excluded };
}

/** One resource the export changed or left out, and why: shown to the patient. */
export interface ExportNote {
	resourceType: string;
	id?: string;
	/** "Condition/abc": what to call it in a list. */
	label: string;
	/** Left out: why. Repaired: what was repaired ("empty values removed; ..."). */
	reason: string;
}

export interface PreparedExport {
	/** Valid R4 resources (repaired copies where needed), one per fullUrl, in input order. */
	resources: FhirResource[];
	repaired: ExportNote[];
	leftOut: ExportNote[];
}

function note(r: unknown, reason: string): ExportNote {
	const o = (typeof r === 'object' && r !== null ? r : {}) as { resourceType?: unknown; id?: unknown };
	const resourceType = typeof o.resourceType === 'string' ? o.resourceType : 'Resource';
	const id = typeof o.id === 'string' ? o.id : undefined;
	return { resourceType, ...(id ? { id } : {}), label: id ? `${resourceType}/${id}` : resourceType, reason };
}

/**
 * What an export may hold: each readable resource checked against FHIR R4
 * (`checkR4`: repaired where nothing clinical is lost, else left out with its
 * reason), then one resource per `fullUrl`: an identical copy is dropped
 * silently; of two different versions the newer by `meta.lastUpdated` /
 * `versionId` (else the first given) is kept and the other listed as left out.
 * Idempotent: preparing a prepared list changes nothing.
 */
export function prepareForExport(inputs: readonly unknown[]): PreparedExport {
	const out: PreparedExport = { resources: [], repaired: [], leftOut: [] };
	const byUrl = new Map<string, number>();
	inputs.forEach((input) => {
		const readable = validateResource(input);
		if (!readable.ok) return out.leftOut.push(note(input, `it cannot be read: ${readable.reason}`));
		const checked = checkR4(readable.resource);
		if (!checked.ok) return out.leftOut.push(note(input, `it is not valid FHIR R4: ${checked.reason}`));
		if (checked.repairs.length) out.repaired.push(note(input, checked.repairs.join('; ')));
		const resource = checked.resource as FhirResource;
		// Resources without an id get a fresh urn:uuid each: they never collide.
		if (!resource.id) return out.resources.push(resource);
		const url = fullUrlOf(resource);
		const at = byUrl.get(url);
		if (at === undefined) {
			byUrl.set(url, out.resources.length);
			return out.resources.push(resource);
		}
		const kept = out.resources[at];
		if (canonicalJson(kept) === canonicalJson(resource)) return;
		if (compareVersions(resource, kept) > 0) {
			out.resources[at] = resource;
			out.leftOut.push(note(kept, `a newer version of ${note(kept, '').label} is in the export`));
		} else out.leftOut.push(note(resource, `another version of ${note(resource, '').label} is in the export`));
	});
	return out;
}

const prepared = (inputs: readonly FhirResource[] | PreparedExport): PreparedExport =>
	Array.isArray(inputs) ? prepareForExport(inputs) : (inputs as PreparedExport);

/**
 * A `collection` Bundle of `prepareForExport(resources)`: valid R4, unique
 * fullUrls, in order. Pass what `prepareForExport` returned to skip checking twice.
 */
export function exportBundle(resources: readonly FhirResource[] | PreparedExport, options: ExportOptions = {}): Bundle {
	const newId = options.newId ?? randomId;
	return {
		resourceType: 'Bundle',
		type: 'collection',
		entry: prepared(resources).resources.map((resource) => ({ fullUrl: fullUrlOf(resource, newId), resource }))
	};
}

const XHTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for XHTML element content and attribute values. */
export function escapeXhtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => XHTML_ESCAPES[c]);
}

const LOINC = 'http://loinc.org';

const SECTIONS = [
	{ key: 'problems', title: 'Active problems', code: '11450-4', display: 'Problem list - Reported', empty: 'No active problems are recorded.' },
	{ key: 'medications', title: 'Current medications', code: '10160-0', display: 'History of Medication use Narrative', empty: 'No current medications are recorded.' },
	{ key: 'allergies', title: 'Allergies and intolerances', code: '48765-2', display: 'Allergies and adverse reactions Document', empty: 'No allergies are recorded.' }
] as const;

function narrative(items: readonly ListItem[], empty: string): { status: 'generated'; div: string } {
	const body = items.length
		? `<ul>${items
				.map((i) => `<li>${escapeXhtml(i.display)}${i.since ? ` (since ${escapeXhtml(i.since)})` : ''}</li>`)
				.join('')}</ul>`
		: `<p>${escapeXhtml(empty)}</p>`;
	return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${body}</div>` };
}

function patientName(patient: FhirResource): string | undefined {
	const names = Array.isArray(patient.name) ? (patient.name as Array<Record<string, unknown>>) : [];
	for (const n of names) {
		if (typeof n?.text === 'string' && n.text) return n.text;
		const parts = [...(Array.isArray(n?.given) ? n.given : []), n?.family].filter((p) => typeof p === 'string' && p);
		if (parts.length) return parts.join(' ');
	}
	return undefined;
}

/**
 * An IPS-style patient summary: a `document` Bundle whose first entry is a
 * Composition (LOINC 60591-5, status final, subject and author the patient)
 * with problem, medication and allergy sections referring to the resources
 * behind the current lists; then the Patient; then those resources (and any
 * Medication they refer to). Every text put in a narrative is escaped.
 */
export function exportPatientSummary(
	patient: FhirResource,
	inputs: readonly FhirResource[] | PreparedExport,
	now: Date,
	options: ExportOptions = {}
): Bundle {
	const newId = options.newId ?? randomId;
	const patientCheck = validateResource(patient);
	if (!patientCheck.ok || patient.resourceType !== 'Patient') throw new InvalidFhirError(`the patient to summarise cannot be read: ${patientCheck.ok ? 'it is not a Patient' : patientCheck.reason}.`);
	const patientR4 = checkR4(patientCheck.resource);
	if (!patientR4.ok) throw new InvalidFhirError(`your Patient resource is not valid FHIR R4 (${patientR4.reason}), so no patient summary can be made.`);
	patient = patientR4.resource as FhirResource;
	// Withdrawn resources are in no summary; the lists leave them out too, and no section may point at one.
	const readable = prepared(inputs).resources.filter((r) => !isEnteredInError(r));
	const lists: CurrentLists = currentLists(readable);
	const patientUrl = fullUrlOf(patient, newId);
	const byId = new Map<string, FhirResource>();
	for (const r of readable) if (r.id) byId.set(`${r.resourceType}/${r.id}`, r);

	const included: BundleEntry[] = [];
	const urlOf = new Map<FhirResource, string>();
	const include = (r: FhirResource) => {
		if (urlOf.has(r)) return urlOf.get(r)!;
		const url = fullUrlOf(r, newId);
		urlOf.set(r, url);
		included.push({ fullUrl: url, resource: r });
		return url;
	};
	const TYPES: Record<(typeof SECTIONS)[number]['key'], string[]> = {
		problems: ['Condition'],
		medications: ['MedicationRequest', 'MedicationStatement'],
		allergies: ['AllergyIntolerance']
	};
	const sections = SECTIONS.map((s) => {
		const items = lists[s.key];
		const refs: Array<{ reference: string }> = [];
		for (const item of items)
			for (const id of item.resourceIds) {
				const r = TYPES[s.key].map((t) => byId.get(`${t}/${id}`)).find(Boolean);
				if (!r) continue;
				refs.push({ reference: include(r) });
				const med = r.medicationReference as { reference?: unknown } | undefined;
				const medRef = typeof med?.reference === 'string' ? med.reference : '';
				const medication = byId.get(`Medication/${medRef.split(/[/:]/).pop()}`);
				if (medication) include(medication);
			}
		return {
			title: s.title,
			code: { coding: [{ system: LOINC, code: s.code, display: s.display }] },
			text: narrative(items, s.empty),
			...(refs.length ? { entry: refs } : { emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable', display: 'Unavailable' }] } })
		};
	});

	const name = patientName(patient);
	const title = name ? `Patient summary: ${name}` : 'Patient summary';
	const date = now.toISOString();
	const compositionId = newId();
	const composition: FhirResource = {
		resourceType: 'Composition',
		id: compositionId,
		text: {
			status: 'generated',
			div: `<div xmlns="http://www.w3.org/1999/xhtml"><h1>${escapeXhtml(title)}</h1><p>Made by the patient in Carevault on ${escapeXhtml(date)}.</p></div>`
		},
		status: 'final',
		type: { coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] },
		subject: { reference: patientUrl },
		date,
		author: [{ reference: patientUrl }],
		title,
		section: sections
	};
	return {
		resourceType: 'Bundle',
		id: newId(),
		type: 'document',
		identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${newId()}` },
		timestamp: date,
		entry: [
			{ fullUrl: `urn:uuid:${compositionId}`, resource: composition },
			{ fullUrl: patientUrl, resource: patient },
			...included
		]
	};
}
