import type { FhirResource } from '../types';
import type { Category } from './model';
import { InvalidFhirError } from './errors';
import { readFhirContent } from './fhir/validate';

/** A parsed FHIR R4 resource, with what the vault needs to file it. */
export interface ParsedResource {
	resource: FhirResource;
	resourceType: string;
	category: Category;
	title: string;
	/** Clinical date (YYYY-MM-DD) if the resource has one. */
	date?: string;
}

const CATEGORY_BY_TYPE: Record<string, Category> = {
	MedicationRequest: 'medications',
	MedicationStatement: 'medications',
	MedicationAdministration: 'medications',
	MedicationDispense: 'medications',
	Medication: 'medications',
	Condition: 'problems',
	AllergyIntolerance: 'allergies',
	Observation: 'labs',
	DiagnosticReport: 'labs',
	ImagingStudy: 'imaging',
	Immunization: 'immunizations',
	Procedure: 'procedures',
	Encounter: 'encounters',
	DocumentReference: 'documents',
	Composition: 'documents',
	Device: 'devices'
};

export function categoryOfResourceType(resourceType: string): Category {
	return CATEGORY_BY_TYPE[resourceType] ?? 'other';
}

type Coding = { system?: unknown; code?: unknown; display?: unknown };
type CodeableConcept = { text?: unknown; coding?: Coding[] };

/** A code as the index keeps it for search and the current lists. */
export interface ResourceCode {
	system?: string;
	code?: string;
	display?: string;
}

/** What the vault files about one resource: everything comes from the resource itself. */
export interface ResourceDescription {
	resourceType: string;
	id?: string;
	category: Category;
	title: string;
	/** Clinical date (YYYY-MM-DD) if the resource has one. */
	date?: string;
	/** The codes that name what the resource is about (drug, condition, vaccine, type). */
	codes: ResourceCode[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function conceptText(c: unknown): string | undefined {
	if (!c || typeof c !== 'object') return undefined;
	const cc = c as CodeableConcept;
	if (str(cc.text)) return cc.text as string;
	const coding = Array.isArray(cc.coding) ? cc.coding : [];
	for (const code of coding) if (str(code?.display)) return code.display as string;
	for (const code of coding) if (str(code?.code)) return code.code as string;
	return undefined;
}

export function conceptCodes(c: unknown): ResourceCode[] {
	if (!c || typeof c !== 'object') return [];
	const cc = c as CodeableConcept;
	const out: ResourceCode[] = [];
	for (const coding of Array.isArray(cc.coding) ? cc.coding : []) {
		if (!coding || typeof coding !== 'object') continue;
		const code: ResourceCode = {};
		if (str(coding.system)) code.system = coding.system as string;
		if (str(coding.code)) code.code = coding.code as string;
		if (str(coding.display)) code.display = coding.display as string;
		if (code.code || code.display) out.push(code);
	}
	if (out.length === 0 && str(cc.text)) out.push({ display: cc.text as string });
	return out;
}

const DATE_FIELDS = [
	'effectiveDateTime',
	'authoredOn',
	'onsetDateTime',
	'recordedDate',
	'occurrenceDateTime',
	'performedDateTime',
	'issued',
	'date',
	'dateAsserted',
	'whenHandedOver'
];

const PERIOD_FIELDS = ['period', 'performedPeriod', 'effectivePeriod', 'onsetPeriod', 'occurrencePeriod'];

function clinicalDate(r: Record<string, unknown>): string | undefined {
	for (const f of DATE_FIELDS) {
		const v = r[f];
		if (typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?/.test(v)) return normaliseDate(v);
	}
	for (const f of PERIOD_FIELDS) {
		const p = r[f] as { start?: unknown } | undefined;
		if (p && typeof p.start === 'string' && /^\d{4}/.test(p.start)) return normaliseDate(p.start);
	}
	return undefined;
}

/** A FHIR date or dateTime as YYYY-MM-DD (the date as written, no time-zone shift); partial dates pad with 01. */
export function normaliseDate(v: string): string {
	const [y, m = '01', d = '01'] = v.slice(0, 10).split('-');
	return `${y}-${m}-${d}`;
}

// Fields naming what a resource is about, in the order they are preferred for its title.
const CONCEPT_FIELDS = ['medicationCodeableConcept', 'code', 'vaccineCode', 'type'];

function humanName(v: unknown): string | undefined {
	const names = Array.isArray(v) ? v : [];
	for (const n of names) {
		if (!n || typeof n !== 'object') continue;
		const hn = n as { text?: unknown; given?: unknown; family?: unknown; prefix?: unknown };
		if (str(hn.text)) return hn.text as string;
		const parts = [
			...(Array.isArray(hn.prefix) ? hn.prefix : []),
			...(Array.isArray(hn.given) ? hn.given : []),
			hn.family
		].filter((p): p is string => typeof p === 'string' && p !== '');
		if (parts.length) return parts.join(' ');
	}
	return undefined;
}

// Resources whose own name says more than their `type` ("Healthcare Provider").
const NAMED_TYPES = new Set(['Organization', 'Location', 'HealthcareService', 'Endpoint', 'Group']);

function titleOf(r: Record<string, unknown>): string | undefined {
	if (NAMED_TYPES.has(r.resourceType as string) && str(r.name)) return r.name as string;
	for (const f of CONCEPT_FIELDS) {
		const t = conceptText(Array.isArray(r[f]) ? (r[f] as unknown[])[0] : r[f]);
		if (t) return t;
	}
	const medRef = r.medicationReference as { display?: unknown } | undefined;
	if (medRef && str(medRef.display)) return medRef.display as string;
	if (str(r.description)) return r.description as string;
	if (r.resourceType === 'Patient' || r.resourceType === 'Practitioner' || r.resourceType === 'RelatedPerson')
		return humanName(r.name);
	if (str(r.name)) return r.name as string;
	if (r.resourceType === 'Device' && Array.isArray(r.deviceName)) {
		const dn = r.deviceName[0] as { name?: unknown } | undefined;
		if (dn && str(dn.name)) return dn.name as string;
	}
	return undefined;
}

function codesOf(r: Record<string, unknown>): ResourceCode[] {
	for (const f of CONCEPT_FIELDS) {
		const v = r[f];
		const codes = Array.isArray(v) ? v.flatMap(conceptCodes) : conceptCodes(v);
		if (codes.length) return codes;
	}
	const medRef = r.medicationReference as { display?: unknown } | undefined;
	if (medRef && str(medRef.display)) return [{ display: medRef.display as string }];
	return [];
}

/**
 * Describes an already parsed resource: the category it is filed under, a
 * title (drug, condition, vaccine or type name), its clinical date and codes.
 */
export function describeResource(resource: FhirResource): ResourceDescription {
	const r = resource as Record<string, unknown>;
	const resourceType = resource.resourceType;
	const out: ResourceDescription = {
		resourceType,
		category: categoryOfResourceType(resourceType),
		title: titleOf(r) ?? resourceType,
		codes: codesOf(r)
	};
	if (str(r.id)) out.id = r.id as string;
	const date = clinicalDate(r);
	if (date) out.date = date;
	return out;
}

/**
 * Whether the source withdrew this resource as a mistake: `status` is
 * entered-in-error (most clinical types), or `verificationStatus` is
 * (Condition, AllergyIntolerance). Such resources stay in the vault and in a
 * full export, and appear on no timeline, current list or patient summary.
 */
export function isEnteredInError(resource: FhirResource): boolean {
	const r = resource as Record<string, unknown>;
	if (r.status === 'entered-in-error') return true;
	const v = r.verificationStatus;
	const codings = typeof v === 'object' && v !== null && Array.isArray((v as CodeableConcept).coding) ? (v as CodeableConcept).coding! : [];
	return codings.some((c) => typeof c === 'object' && c !== null && c.code === 'entered-in-error');
}

/** Parses pasted or uploaded text as one FHIR R4 resource; throws InvalidFhirError. */
export function parseFhirResource(text: string): ParsedResource {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (cause) {
		const where = cause instanceof SyntaxError ? ` (${cause.message})` : '';
		throw new InvalidFhirError(`the text is not valid JSON${where}.`, { cause });
	}
	if (!json || typeof json !== 'object' || Array.isArray(json))
		throw new InvalidFhirError('expected one JSON object with a "resourceType".');
	const r = json as Record<string, unknown>;
	if (typeof r.resourceType !== 'string' || !/^[A-Z][A-Za-z]+$/.test(r.resourceType))
		throw new InvalidFhirError('it has no "resourceType" field.');
	// The whole content as the vault will read it back (a Bundle's entries too).
	const read = readFhirContent(text);
	if (read.problems.length > 0) throw new InvalidFhirError(`${read.problems[0]}.`);
	if (read.resources.length === 0) throw new InvalidFhirError('it holds no resource.');
	const d = describeResource(r as ParsedResource['resource']);
	return {
		resource: r as ParsedResource['resource'],
		resourceType: d.resourceType,
		category: d.category,
		title: d.title,
		date: d.date
	};
}
