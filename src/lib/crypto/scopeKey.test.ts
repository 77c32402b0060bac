import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { combineScopeKey, deriveScopeKey, scopeKeyCommitment, splitScopeKey, SHARE_BYTES } from './scopeKey';
import { InvalidInputError } from './errors';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('scope key', () => {
	it('derives one key per (vault subkey, patient, salt): another salt, patient or subkey gives another key', async () => {
		const [sub, patient, salt] = [random(32), random(20), random(32)];
		const key = await deriveScopeKey(sub, patient, salt);
		expect(key).toHaveLength(32);
		expect(await deriveScopeKey(sub, patient, salt)).toEqual(key);
		for (const other of [deriveScopeKey(sub, patient, random(32)), deriveScopeKey(sub, random(20), salt), deriveScopeKey(random(32), patient, salt)])
			expect(await other).not.toEqual(key);
		await expect(deriveScopeKey(sub, patient, random(31))).rejects.toThrow(InvalidInputError);
	});

	it('2 of 3: any two shares rebuild the key and match its commitment; one share, or a damaged share, gives null', async () => {
		const key = random(32);
		const commitment = await scopeKeyCommitment(key);
		const shares = await splitScopeKey(key, 3, 2);
		expect(shares.map((s) => s.length)).toEqual([SHARE_BYTES, SHARE_BYTES, SHARE_BYTES]);
		for (const pair of [[0, 1], [0, 2], [1, 2]]) expect(await combineScopeKey(pair.map((i) => shares[i]), commitment)).toEqual(key);
		// Shamir's combine would return bytes for these: the commitment is what refuses them.
		expect(await combineScopeKey([shares[0]], commitment)).toBeNull();
		expect(await combineScopeKey([shares[0], shares[0]], commitment)).toBeNull();
		expect(await combineScopeKey([], commitment)).toBeNull();
		const damaged = shares[1].slice();
		damaged[5] ^= 1;
		expect(await combineScopeKey([shares[0], damaged], commitment)).toBeNull();
		// Shares of another key with the same threshold.
		const other = await splitScopeKey(random(32), 3, 2);
		expect(await combineScopeKey([shares[0], other[1]], commitment)).toBeNull();
		expect(await combineScopeKey(shares.slice(0, 2), await scopeKeyCommitment(random(32)))).toBeNull();
	});

	it('3 of 5 needs three: two shares give null', async () => {
		const key = random(32);
		const commitment = await scopeKeyCommitment(key);
		const shares = await splitScopeKey(key, 5, 3);
		expect(await combineScopeKey(shares.slice(0, 2), commitment)).toBeNull();
		expect(await combineScopeKey([shares[4], shares[1], shares[2]], commitment)).toEqual(key);
	});

	it('threshold 1: every guardian holds the key on its own', async () => {
		const key = random(32);
		const shares = await splitScopeKey(key, 2, 1);
		expect(await combineScopeKey([shares[1]], await scopeKeyCommitment(key))).toEqual(key);
	});

	it('refuses bad arguments', async () => {
		await expect(splitScopeKey(random(32), 2, 3)).rejects.toThrow(InvalidInputError);
		await expect(splitScopeKey(random(31), 3, 2)).rejects.toThrow(InvalidInputError);
		await expect(splitScopeKey(random(32), 0, 1)).rejects.toThrow(InvalidInputError);
		await expect(combineScopeKey([random(32)], random(32))).rejects.toThrow(InvalidInputError);
	});

	test.prop([fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 8 }), fc.uint8Array({ minLength: 32, maxLength: 32 })], { numRuns: 15 })(
		'round trip: any t of n rebuild the key; any t-1 give null',
		async (a, b, key) => {
			const [t, n] = [Math.min(a, b), Math.max(a, b)];
			const commitment = await scopeKeyCommitment(key);
			const shares = await splitScopeKey(key, n, t);
			const picked = shares.slice(n - t);
			expect(await combineScopeKey(picked, commitment)).toEqual(key);
			expect(await combineScopeKey(picked.slice(1), commitment)).toBeNull();
		}
	);
});
