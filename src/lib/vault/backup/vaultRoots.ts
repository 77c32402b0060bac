import type { VaultIndex } from '../../records/model';

/** What a vault consists of, as far as a backup is concerned. */
export interface VaultParts {
	/** CID of the wrapped-key header (the chain's vault pointer). */
	headerCid: string;
	/** CIDs of the record index's root block(s) as the chain names them now (see vaultIndex.indexRootCids). */
	indexCids: readonly string[];
	/** The decrypted index: it names every attachment (files and FHIR payloads) and grant bundle. */
	index: VaultIndex;
}

/**
 * The one list of the vault's root CIDs: everything a backup must hold, each
 * root once, in a stable order (header, index, attachments by record, grant
 * bundles). Each root is a whole DAG; the adapter copies all its blocks. When
 * the index format changes, this is the function to change.
 */
export function vaultRoots(parts: VaultParts): string[] {
	const out = new Set<string>([parts.headerCid, ...parts.indexCids]);
	for (const record of parts.index.records) for (const a of record.attachments) out.add(a.manifest.cid);
	for (const grant of parts.index.grants ?? []) if (grant.bundleCid) out.add(grant.bundleCid);
	if (parts.index.remotes) out.add(parts.index.remotes);
	return [...out];
}
