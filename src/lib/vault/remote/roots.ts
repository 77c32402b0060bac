import type { OpenVault, VaultDeps } from '../deps';
import type { VaultRecord } from '../../records/model';
import { vaultRoots } from '../backup/vaultRoots';
import { indexRootCids } from '../vaultIndex';

/**
 * Every root a remote copy must pin for the vault to be restored from the
 * wallet alone: the wrapped-key header, every block of the index log, each
 * record's files and each grant bundle (the same list a backup holds).
 *
 * No index block is ever unpinned: the log's links (`prior`, a node's
 * `children`) are inside the sealed JSON, so a pin of the newest head does
 * not reach the older blocks, and every older block is still read when the
 * index loads (vaultIndex.ts). Each block is pinned once, as its own root.
 */
export async function vaultCopyRoots(deps: Pick<VaultDeps, 'blobs' | 'local' | 'signer'>, vault: OpenVault): Promise<string[]> {
	const indexCids = await indexRootCids(deps, vault.keys, vault.index);
	return vaultRoots({ headerCid: vault.headerCid, indexCids, index: vault.index });
}

/** The roots that hold one record's content (its attachments' ciphertexts). */
export function recordRoots(record: VaultRecord): string[] {
	return record.attachments.map((a) => a.manifest.cid);
}
