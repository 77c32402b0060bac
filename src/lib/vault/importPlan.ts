/**
 * Re-importing without duplicates: compares an import with what the vault
 * already holds and turns what is new or changed into vault records.
 *
 * The vault's identities come from its decrypted FHIR records, not from a
 * separate identity map: FHIR text is small next to the files a vault holds,
 * only FHIR attachments are read, each record is decrypted once per unlock
 * (the page state's cache), and the comparison then sees every resource
 * however it arrived (imports, providers' proposals, records typed in by hand,
 * records from before this existed). A sealed identity map would be one more
 * thing to keep in step with the index on every write and merge.
 */
import { groupForVault } from '../records/fhir/import';
import { planImport, type ImportPlan, type KnownResource } from '../records/dedupe';
import type { FhirResource } from '../types';
import type { OpenVault, VaultDeps } from './deps';
import { importRecords, readFhirRecords, type FhirRecordsContent, type RecordContent, type UnreadableRecord } from './fhirRecords';
import type { NewRecord } from './addRecords';

export interface VaultImportPlan extends ImportPlan {
	/** Vault records whose content could not be read, so this import was not compared with them. */
	unreadable: UnreadableRecord[];
}

/** The plan for `incoming` against content already read from the vault (its current resources). */
export function planAgainst(content: FhirRecordsContent, incoming: readonly FhirResource[]): VaultImportPlan {
	const known: KnownResource[] = content.resources.map((r) => ({ resource: r.resource, recordSource: r.source, ref: r.ref }));
	return { ...planImport(known, incoming, 'import'), unreadable: content.unreadable };
}

/** Decrypts the vault's FHIR records (once per `cache`) and plans the import of `incoming` against them. */
export async function planVaultImport(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	incoming: readonly FhirResource[],
	options: { cache?: Map<string, RecordContent>; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {}
): Promise<VaultImportPlan> {
	const content = await readFhirRecords(deps, vault, vault.index.records, options);
	return planAgainst(content, incoming);
}

/**
 * The vault records that carry out a plan: the new and changed resources
 * grouped per category (one record each); a changed one names the older
 * resources it replaces. Empty when everything is already present.
 */
export function recordsForPlan(plan: ImportPlan, source: string, today: string): NewRecord[] {
	const replaces = new Map(plan.updated.map((u) => [u.resource, u.replaces] as const));
	const resources = [...plan.fresh, ...plan.updated.map((u) => u.resource)];
	if (resources.length === 0) return [];
	// Patient first, as in a fresh import.
	const ordered = [...resources.filter((r) => r.resourceType === 'Patient'), ...resources.filter((r) => r.resourceType !== 'Patient')];
	return importRecords(groupForVault({ resources: ordered }), source, today, replaces);
}
