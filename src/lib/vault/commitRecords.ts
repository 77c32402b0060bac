import { merkleRoot } from '../crypto/merkle';
import { bytesToHex } from '../crypto/encoding';
import { blake2b } from '../crypto/hash';
import { canonicalJson } from '../crypto/encoding';
import type { CipherManifest, VaultRecord } from '../records/model';
import type { OpenVault, VaultDeps } from './deps';
import type { Hex } from './ports';
import { IndexChangedElsewhereError, IndexKeptChangingError } from './errors';
import { appendBatch, loadIndex, mergeIndexes } from './vaultIndex';

/** How many times a commit is tried when other tabs or devices keep committing first. */
export const COMMIT_ATTEMPTS = 5;

/** BLAKE2b-256 of the canonical manifest: a leaf of the batch anchor. */
export async function manifestLeaf(manifest: CipherManifest): Promise<Uint8Array> {
	return blake2b(new TextEncoder().encode(canonicalJson(manifest)));
}

/** The batch anchor: Merkle root over the manifests of every attachment of `records`, in order, and their count. */
export async function batchRoot(records: VaultRecord[]): Promise<{ root: Hex; count: number }> {
	const leaves = await Promise.all(records.flatMap((r) => r.attachments.map((a) => manifestLeaf(a.manifest))));
	return { root: `0x${bytesToHex(await merkleRoot(leaves))}`, count: leaves.length };
}

/**
 * Adds prepared records to the index as one new sealed batch block appended
 * to its log on IPFS (nothing already stored is written again), and sends
 * ONE transaction that anchors the batch (Merkle root over its manifests) and
 * moves the index pointer to the new block. Until that transaction succeeds the vault on-chain
 * is unchanged, so a cancelled or failed transaction loses nothing stored.
 *
 * The transaction names the batch count of the index it extends. When another
 * tab or device committed first, the chain refuses it (IndexChangedElsewhereError);
 * then the newer index is read, merged with ours (mergeIndexes: nothing from
 * either side is dropped), our batch is appended after the newer head (a
 * union: both logs' batches, each once), and the commit is sent again, up to
 * `attempts` times in all (IndexKeptChangingError after that; the records stay
 * stored and calling again with the same records finishes the job). Records
 * the newer index already lists (a commit that landed although its answer was
 * lost) are not anchored twice. Every place that saves records goes through here.
 */
export async function commitRecords(
	deps: Pick<VaultDeps, 'blobs' | 'local' | 'signer' | 'chain'>,
	vault: OpenVault,
	records: VaultRecord[],
	options: { attempts?: number } = {}
): Promise<OpenVault> {
	const attempts = options.attempts ?? COMMIT_ATTEMPTS;
	let base = vault.index;
	for (let attempt = 1; ; attempt++) {
		const listed = new Set(base.records.map((r) => r.id));
		const fresh = records.filter((r) => !listed.has(r.id));
		if (fresh.length === 0) return { ...vault, index: base };
		const batch = base.batches;
		const { index, encryptedPointer } = await appendBatch(deps, vault.keys, base, fresh);
		const { root, count } = await batchRoot(fresh);
		try {
			await deps.chain.commitBatch({ expectedBatchCount: batch, root, count, encryptedIndexPointer: encryptedPointer });
			return { ...vault, index };
		} catch (err) {
			if (!(err instanceof IndexChangedElsewhereError)) throw err;
			if (attempt >= attempts) throw new IndexKeptChangingError(attempt, { cause: err });
			base = mergeIndexes(await loadIndex(deps, vault.keys), base);
		}
	}
}
