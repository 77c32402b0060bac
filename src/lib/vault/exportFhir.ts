import type { Category } from '../records/model';
import { exportBundle, exportPatientSummary, prepareForExport, type ExportNote } from '../records/fhir/export';
import type { OpenVault, VaultDeps } from './deps';
import { readFhirRecords, type RecordContent, type UnreadableRecord } from './fhirRecords';
import { PatientResourceMissingError } from './errors';

export type ExportKind = 'bundle' | 'summary';

/** A FHIR R4 export ready to save, with what had to be left out or adjusted. */
export interface FhirExport {
	json: unknown;
	fileName: string;
	entries: number;
	/** Records whose content cannot be read as FHIR. */
	unreadable: UnreadableRecord[];
	/** Resources that break FHIR R4 in a way no lossless repair fixes. */
	leftOut: ExportNote[];
	/** Resources adjusted to fit FHIR R4 without changing what they say. */
	repaired: ExportNote[];
}

/**
 * Decrypts the vault's FHIR records and builds a FHIR R4 export: a
 * `collection` Bundle of the chosen categories, or a patient summary of
 * everything (which needs the Patient resource: PatientResourceMissingError).
 */
export async function exportFhir(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	p: { kind: ExportKind; categories: readonly Category[]; now: Date; cache?: Map<string, RecordContent>; onProgress?: (done: number, total: number) => void }
): Promise<FhirExport> {
	const records = p.kind === 'bundle' ? vault.index.records.filter((r) => p.categories.includes(r.category)) : vault.index.records;
	const content = await readFhirRecords(deps, vault, records, { cache: p.cache, onProgress: p.onProgress });
	const prepared = prepareForExport(content.resources.map((c) => c.resource));
	let json;
	if (p.kind === 'bundle') json = exportBundle(prepared);
	else {
		const patient = content.resources.find((c) => c.resource.resourceType === 'Patient')?.resource;
		if (!patient) throw new PatientResourceMissingError();
		json = exportPatientSummary(patient, prepared, p.now);
	}
	const day = p.now.toISOString().slice(0, 10);
	return {
		json,
		fileName: `carevault-${p.kind === 'bundle' ? 'bundle' : 'patient-summary'}-${day}.json`,
		entries: json.entry.length,
		unreadable: content.unreadable,
		leftOut: prepared.leftOut,
		repaired: prepared.repaired
	};
}
