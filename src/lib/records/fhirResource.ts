import type { Category } from './model';
import { InvalidFhirError } from './errors';

/** A parsed FHIR R4 resource, with what the vault needs to file it. */
export interface ParsedResource {
	resource: { resourceType: string; [key: string]: unknown };
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

type CodeableConcept = { text?: unknown; coding?: Array<{ display?: unknown; code?: unknown }> };

function conceptText(c: unknown): string | undefined {
	if (!c || typeof c !== 'object') return undefined;
	const cc = c as CodeableConcept;
	if (typeof cc.text === 'string' && cc.text) return cc.text;
	const coding = Array.isArray(cc.coding) ? cc.coding : [];
	for (const code of coding) if (typeof code?.display === 'string' && code.display) return code.display;
	for (const code of coding) if (typeof code?.code === 'string' && code.code) return code.code;
	return undefined;
}

const DATE_FIELDS = [
	'effectiveDateTime',
	'authoredOn',
	'onsetDateTime',
	'recordedDate',
	'occurrenceDateTime',
	'performedDateTime',
	'issued',
	'date'
];

function clinicalDate(r: Record<string, unknown>): string | undefined {
	for (const f of DATE_FIELDS) {
		const v = r[f];
		if (typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2})?)?/.test(v)) return normaliseDate(v);
	}
	for (const f of ['period', 'performedPeriod', 'effectivePeriod']) {
		const p = r[f] as { start?: unknown } | undefined;
		if (p && typeof p.start === 'string') return normaliseDate(p.start);
	}
	return undefined;
}

function normaliseDate(v: string): string {
	const [y, m = '01', d = '01'] = v.slice(0, 10).split('-');
	return `${y}-${m}-${d}`;
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
	const resourceType = r.resourceType;
	const name =
		conceptText(r.medicationCodeableConcept) ??
		conceptText(r.code) ??
		conceptText(r.vaccineCode) ??
		conceptText(r.type) ??
		(typeof r.description === 'string' ? r.description : undefined);
	return {
		resource: r as ParsedResource['resource'],
		resourceType,
		category: categoryOfResourceType(resourceType),
		title: name ? `${name}` : resourceType,
		date: clinicalDate(r)
	};
}
