import { hexToBytes } from '../crypto/encoding';
import { merkleProof, verifyMerkleProof, type MerkleProof } from '../crypto/merkle';
import type { VaultRecord } from '../records/model';
import { manifestLeaf } from './commitRecords';
import type { OpenVault, VaultDeps } from './deps';
import type { Hex } from './ports';
import { batchCidAt, readBatch } from './vaultIndex';

export interface RecordAnchorCheck {
	/** True only when every attachment's manifest is proven under the root the chain recorded for the record's batch. */
	verified: boolean;
	batch: number | null;
	/** The batch root the chain recorded (from its BatchCommitted event), when found. */
	root: Hex | null;
	/** One proof per attachment, in the record's order; null for an attachment its batch does not hold. */
	proofs: Array<MerkleProof | null>;
	/** The block whose BatchCommitted event holds the root, when found. */
	block: bigint | null;
	/** Why it did not verify (null when it did), in words for the patient. */
	problem: AnchorProblem | null;
}

/**
 * `not-anchored`: the record names no batch (added before anchoring, or not yet committed);
 * `no-anchor`: the chain has no such batch for this vault; `batch-unreadable`: the sealed batch
 * block is not in the vault's log; `mismatch`: the record as this vault lists it is not what
 * the chain anchored (changed after it was committed).
 */
export type AnchorProblem = 'not-anchored' | 'no-anchor' | 'batch-unreadable' | 'mismatch';

/**
 * Proves `record` against the chain: the Merkle proof of each of its
 * attachments' manifests, built from the sealed batch block that committed
 * it, is checked against the root the chain recorded for that batch. An
 * index entry whose manifest was altered (another ciphertext, key or size)
 * does not verify; nor does a record the chain never anchored.
 *
 * @example
 * const { verified } = await verifyRecordAnchor(deps, vault, vault.index.records[0])
 */
export async function verifyRecordAnchor(
	deps: Pick<VaultDeps, 'chain' | 'blobs' | 'local' | 'signer'>,
	vault: OpenVault,
	record: VaultRecord
): Promise<RecordAnchorCheck> {
	const batch = record.batch ?? null;
	const log = vault.index.log;
	if (batch === null || !log) return { verified: false, batch, root: null, proofs: [], block: null, problem: 'not-anchored' };
	const [anchor, cid] = await Promise.all([deps.chain.readBatchAnchor(vault.address, batch), batchCidAt(deps, vault.keys, log, batch)]);
	const anchoredIn = anchor?.block ?? null;
	if (!anchor) return { verified: false, batch, root: null, proofs: [], block: anchoredIn, problem: 'no-anchor' };
	if (!cid) return { verified: false, batch, root: anchor.root, proofs: [], block: anchoredIn, problem: 'batch-unreadable' };

	// The batch's leaves as committed, in order: the proof fixes the position as well as the value.
	const block = await readBatch(deps, vault.keys, cid);
	const committed = block.records.flatMap((r) => r.attachments.map((a) => ({ key: `${r.id}/${a.id}`, manifest: a.manifest })));
	const leaves = await Promise.all(committed.map((c) => manifestLeaf(c.manifest)));
	const root = hexToBytes(anchor.root);
	let verified = leaves.length === anchor.count && record.attachments.length > 0;
	const proofs: Array<MerkleProof | null> = [];
	for (const a of record.attachments) {
		const at = committed.findIndex((c) => c.key === `${record.id}/${a.id}`);
		if (at < 0 || leaves.length === 0) {
			proofs.push(null);
			verified = false;
			continue;
		}
		const proof = await merkleProof(leaves, at);
		proofs.push(proof);
		// The entry as this vault lists it, not as the block says: an altered entry fails here.
		if (!(await verifyMerkleProof(root, await manifestLeaf(a.manifest), proof))) verified = false;
	}
	return { verified, batch, root: anchor.root, proofs, block: anchoredIn, problem: verified ? null : 'mismatch' };
}
