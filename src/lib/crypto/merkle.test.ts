import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { merkleProof, merkleRoot, verifyMerkleProof } from './merkle';
import { bytesToHex, concatBytes } from './encoding';
import { InvalidInputError } from './errors';
import { getSodium } from './sodium';

const leaf = (i: number) => new Uint8Array(32).fill(i);

describe('merkle', () => {
	it('follows the documented construction', async () => {
		const s = await getSodium();
		const h = (...parts: Uint8Array[]) => s.crypto_generichash(32, concatBytes(...parts), null);
		const L = (i: number) => h(new Uint8Array([0]), leaf(i));
		const N = (a: Uint8Array, b: Uint8Array) => h(new Uint8Array([1]), a, b);
		expect(bytesToHex(await merkleRoot([leaf(1)]))).toBe(bytesToHex(L(1)));
		expect(bytesToHex(await merkleRoot([leaf(1), leaf(2)]))).toBe(bytesToHex(N(L(1), L(2))));
		// odd node promoted, not duplicated
		expect(bytesToHex(await merkleRoot([leaf(1), leaf(2), leaf(3)]))).toBe(bytesToHex(N(N(L(1), L(2)), L(3))));
	});

	it('depends on order and on every leaf', async () => {
		const a = bytesToHex(await merkleRoot([leaf(1), leaf(2), leaf(3)]));
		expect(bytesToHex(await merkleRoot([leaf(2), leaf(1), leaf(3)]))).not.toBe(a);
		expect(bytesToHex(await merkleRoot([leaf(1), leaf(2), leaf(3), leaf(3)]))).not.toBe(a);
	});

	it('rejects an empty batch and leaves that are not 32 bytes', async () => {
		await expect(merkleRoot([])).rejects.toThrow(InvalidInputError);
		await expect(merkleRoot([new Uint8Array(31)])).rejects.toThrow('leaves[0]: expected Uint8Array of length 32, got length=31');
	});

	test.prop([fc.integer({ min: 1, max: 40 }), fc.nat()])('every proof verifies; a wrong leaf, index or root does not', async (count, pick) => {
		const leaves = Array.from({ length: count }, (_, i) => leaf(i));
		const root = await merkleRoot(leaves);
		const index = pick % count;
		const proof = await merkleProof(leaves, index);
		expect(await verifyMerkleProof(root, leaves[index], proof)).toBe(true);
		expect(await verifyMerkleProof(root, leaf(200), proof)).toBe(false);
		expect(await verifyMerkleProof(new Uint8Array(32), leaves[index], proof)).toBe(false);
		if (count > 1) expect(await verifyMerkleProof(root, leaves[index], { ...proof, index: (index + 1) % count })).toBe(false);
		expect(await verifyMerkleProof(root, leaves[index], { ...proof, siblings: [...proof.siblings, leaf(9)] })).toBe(false);
	});
});
