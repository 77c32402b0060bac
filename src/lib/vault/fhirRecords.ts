import type { Category, ResourceSummary, VaultRecord } from '../records/model';
import { CATEGORY_LABELS } from '../records/model';
import type { FileInput, NewRecord } from './addRecords';

export const FHIR_NDJSON = 'application/fhir+ndjson';
export const FHIR_JSON = 'application/fhir+json';

export type FhirResource = { resourceType: string; id?: string; [key: string]: unknown };

/** A small in-memory file for the use cases (FHIR text is small next to scans). */
export function bytesFile(name: string, type: string, bytes: Uint8Array): FileInput {
	return { name, type, size: bytes.length, stream: async function* () { yield bytes; } };
}

/**
 * Turns an import's category groups into vault records: one record per
 * category, its resources as one NDJSON attachment, with a summary of every
 * resource in the (encrypted) index for the timeline and search.
 */
export function importRecords(
	groups: Array<{ category: Category; resources: FhirResource[]; summaries: ResourceSummary[] }>,
	source: string,
	today: string
): NewRecord[] {
	const encoder = new TextEncoder();
	return groups
		.filter((g) => g.resources.length > 0)
		.map((g) => {
			const ndjson = encoder.encode(g.resources.map((r) => JSON.stringify(r)).join('\n') + '\n');
			const newest = g.summaries.reduce<string | undefined>((d, s) => (s.date && (!d || s.date > d) ? s.date : d), undefined);
			return {
				title: `${CATEGORY_LABELS[g.category]}: ${g.resources.length} imported`,
				category: g.category,
				date: newest ?? today,
				kind: 'fhir',
				resourceType: 'Bundle',
				source,
				resources: g.summaries,
				files: [bytesFile(`${g.category}.ndjson`, FHIR_NDJSON, ndjson)]
			} satisfies NewRecord;
		});
}

/** Parses the FHIR content of a decrypted attachment (one resource, a Bundle, or NDJSON). */
export function resourcesOf(text: string): FhirResource[] {
	const trimmed = text.trim();
	if (trimmed === '') return [];
	if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
		const one = JSON.parse(trimmed) as FhirResource;
		if (one.resourceType === 'Bundle' && Array.isArray(one.entry))
			return (one.entry as Array<{ resource?: FhirResource }>).flatMap((e) => (e.resource ? [e.resource] : []));
		return [one];
	}
	return trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as FhirResource);
}

export function isFhirAttachment(type: string, name: string): boolean {
	return type === FHIR_NDJSON || type === FHIR_JSON || name.endsWith('.ndjson');
}

/** The records whose content feeds the reconciled lists. */
export function listSourceRecords(records: readonly VaultRecord[]): VaultRecord[] {
	return records.filter((r) => r.kind === 'fhir' && ['medications', 'problems', 'allergies'].includes(r.category));
}
