import { merkleRoot } from '../crypto/merkle';
import { bytesToHex } from '../crypto/encoding';
import { blake2b } from '../crypto/hash';
import { canonicalJson } from '../crypto/encoding';
import type { CipherManifest, VaultRecord } from '../records/model';
import type { OpenVault, VaultDeps } from './deps';
import { storeIndex } from './vaultIndex';

/** BLAKE2b-256 of the canonical manifest: a leaf of the batch anchor. */
export async function manifestLeaf(manifest: CipherManifest): Promise<Uint8Array> {
	return blake2b(new TextEncoder().encode(canonicalJson(manifest)));
}

/**
 * Adds prepared records to the index, stores the encrypted index, and sends
 * ONE transaction that anchors the batch (Merkle root over all manifests) and
 * moves the index pointer. Until that transaction succeeds the vault on-chain
 * is unchanged, so a cancelled or failed transaction loses nothing stored.
 */
export async function commitRecords(
	deps: Pick<VaultDeps, 'blobs' | 'local' | 'signer' | 'chain'>,
	vault: OpenVault,
	records: VaultRecord[]
): Promise<OpenVault> {
	const batch = vault.index.batches;
	const index = {
		...vault.index,
		records: [...vault.index.records, ...records.map((r) => ({ ...r, batch }))],
		batches: batch + 1
	};
	const { encryptedPointer } = await storeIndex(deps, vault.keys, index);
	const leaves = await Promise.all(records.flatMap((r) => r.attachments.map((a) => manifestLeaf(a.manifest))));
	const root = await merkleRoot(leaves);
	await deps.chain.commitBatch({ root: `0x${bytesToHex(root)}`, count: leaves.length, encryptedIndexPointer: encryptedPointer });
	return { ...vault, index };
}
