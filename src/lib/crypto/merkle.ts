import { concatBytes } from './encoding';
import { InvalidInputError } from './errors';
import { checkBytes, checkInteger } from './input';
import { getSodium, type Sodium } from './sodium';

/**
 * Merkle tree over 32-byte leaves (manifest hashes), for batch anchors.
 *
 * Construction (RFC 6962 style domain separation, BLAKE2b-256 throughout):
 *   leaf node  = BLAKE2b-256(0x00 || leaf)
 *   inner node = BLAKE2b-256(0x01 || left || right)
 * Each level pairs nodes left to right; an odd last node is promoted to the
 * next level unchanged (not duplicated, so no two leaf lists share a root by
 * repeating the last leaf). The root of a single leaf is its leaf node. The
 * prefixes keep a leaf from being passed off as an inner node. Order matters:
 * leaves are not sorted, so a proof also proves the leaf's position.
 */

export interface MerkleProof {
	/** Position of the leaf in the batch. */
	index: number;
	/** Number of leaves in the batch (fixes where odd nodes were promoted). */
	count: number;
	/** Sibling nodes from the leaf level up; promoted levels contribute none. */
	siblings: Uint8Array[];
}

const hashLeaf = (s: Sodium, leaf: Uint8Array) => s.crypto_generichash(32, concatBytes(new Uint8Array([0]), leaf), null);
const hashNode = (s: Sodium, l: Uint8Array, r: Uint8Array) =>
	s.crypto_generichash(32, concatBytes(new Uint8Array([1]), l, r), null);

function checkLeaves(leaves: Uint8Array[]): void {
	if (!Array.isArray(leaves)) throw new InvalidInputError('leaves: expected an array of Uint8Array');
	if (leaves.length === 0) throw new InvalidInputError('leaves: expected at least one leaf, got an empty batch');
	leaves.forEach((l, i) => checkBytes(`leaves[${i}]`, l, 32));
}

function levels(s: Sodium, leaves: Uint8Array[]): Uint8Array[][] {
	const out = [leaves.map((l) => hashLeaf(s, l))];
	while (out[out.length - 1].length > 1) {
		const level = out[out.length - 1];
		const next: Uint8Array[] = [];
		for (let i = 0; i < level.length; i += 2)
			next.push(i + 1 < level.length ? hashNode(s, level[i], level[i + 1]) : level[i]);
		out.push(next);
	}
	return out;
}

/** The Merkle root of a non-empty batch of 32-byte leaves. */
export async function merkleRoot(leaves: Uint8Array[]): Promise<Uint8Array> {
	const s = await getSodium();
	checkLeaves(leaves);
	const all = levels(s, leaves);
	return all[all.length - 1][0];
}

/** Proof that leaves[index] is in the batch whose root merkleRoot(leaves) gives. */
export async function merkleProof(leaves: Uint8Array[], index: number): Promise<MerkleProof> {
	const s = await getSodium();
	checkLeaves(leaves);
	checkInteger('index', index);
	if (index >= leaves.length) throw new InvalidInputError(`index: expected < ${leaves.length}, got ${index}`);
	const siblings: Uint8Array[] = [];
	let i = index;
	for (const level of levels(s, leaves).slice(0, -1)) {
		const sibling = i ^ 1;
		if (sibling < level.length) siblings.push(level[sibling]);
		i >>= 1;
	}
	return { index, count: leaves.length, siblings };
}

/** True when `proof` places `leaf` under `root`; false for any mismatch or malformed proof. */
export async function verifyMerkleProof(root: Uint8Array, leaf: Uint8Array, proof: MerkleProof): Promise<boolean> {
	const s = await getSodium();
	checkBytes('root', root, 32);
	checkBytes('leaf', leaf, 32);
	const { index, count, siblings } = proof ?? ({} as MerkleProof);
	if (!Number.isSafeInteger(count) || !Number.isSafeInteger(index) || count < 1 || index < 0 || index >= count) return false;
	if (!Array.isArray(siblings)) return false;
	let node = hashLeaf(s, leaf);
	let i = index;
	let width = count;
	let used = 0;
	while (width > 1) {
		const sibling = i ^ 1;
		if (sibling < width) {
			const next = siblings[used++];
			if (!(next instanceof Uint8Array) || next.length !== 32) return false;
			node = i & 1 ? hashNode(s, next, node) : hashNode(s, node, next);
		}
		i >>= 1;
		width = Math.ceil(width / 2);
	}
	return used === siblings.length && s.memcmp(node, root);
}
