/**
 * The grant commitment on real libsodium: deterministic, independent of the
 * order of scope items and keys, unambiguous, and changed by every field it
 * binds (parties, expiry, scope, key epochs and keys, pointer, salt).
 */
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../crypto/encoding';
import type { Hex } from '../ports';
import { randomBytes } from '../random';
import { BUNDLE_VERSION, type GrantBundle } from './bundle';
import { checkGrantCommitment, grantCommitment, type CommitmentInput } from './commitment';
import { GrantCommitmentMismatchError } from './errors';

const PATIENT = '0x1111111111111111111111111111111111111111' as Hex;
const DOCTOR = '0x2222222222222222222222222222222222222222' as Hex;
const pk = () => toBase64(randomBytes(33));

function input(): CommitmentInput {
	const bundle: Pick<GrantBundle, 'v' | 'scope' | 'keys' | 'salt'> = {
		v: BUNDLE_VERSION,
		scope: { categories: ['medications', 'allergies'] },
		keys: [
			{ category: 'medications', epoch: 0, delegatingPk: pk() },
			{ category: 'medications', epoch: 1, delegatingPk: pk() },
			{ category: 'allergies', epoch: 0, delegatingPk: pk() }
		],
		salt: toBase64(randomBytes(32))
	};
	return { patient: PATIENT, grantee: DOCTOR, expiresAt: 1_900_000_000, bundle, pointer: { cid: 'bafkreibundle', key: toBase64(randomBytes(32)) } };
}

describe('grantCommitment', () => {
	it('is a 32-byte hex value, the same for the same grant and for another order of scope items and keys', async () => {
		const p = input();
		const c = await grantCommitment(p);
		expect(c).toMatch(/^0x[0-9a-f]{64}$/);
		expect(await grantCommitment(structuredClone(p))).toBe(c);
		const reordered: CommitmentInput = { ...p, bundle: { ...p.bundle, scope: { categories: ['allergies', 'medications'] }, keys: [...p.bundle.keys].reverse() } };
		expect(await grantCommitment(reordered)).toBe(c);
		// Address case does not matter: the chain gives checksummed addresses, the bundle may not.
		expect(await grantCommitment({ ...p, patient: PATIENT.toUpperCase().replace('0X', '0x') as Hex })).toBe(c);
		await expect(checkGrantCommitment(c, p)).resolves.toBeUndefined();
		await expect(checkGrantCommitment(c.toUpperCase().replace('0X', '0x') as Hex, p)).resolves.toBeUndefined();
	});

	it('changes with every field it binds', async () => {
		const p = input();
		const c = await grantCommitment(p);
		const b = p.bundle;
		const variants: Record<string, CommitmentInput> = {
			patient: { ...p, patient: DOCTOR },
			grantee: { ...p, grantee: PATIENT },
			expiry: { ...p, expiresAt: 0 },
			'a category added': { ...p, bundle: { ...b, scope: { categories: ['medications', 'allergies', 'notes'] } } },
			'a category removed': { ...p, bundle: { ...b, scope: { categories: ['medications'] } } },
			'records instead of categories': { ...p, bundle: { ...b, scope: { recordIds: ['medications', 'allergies'] } } },
			'an epoch changed': { ...p, bundle: { ...b, keys: b.keys.map((k, i) => (i === 2 ? { ...k, epoch: 1 } : k)) } },
			'a key dropped': { ...p, bundle: { ...b, keys: b.keys.slice(1) } },
			'a key replaced': { ...p, bundle: { ...b, keys: b.keys.map((k, i) => (i === 0 ? { ...k, delegatingPk: pk() } : k)) } },
			'another bundle CID': { ...p, pointer: { ...p.pointer, cid: 'bafkreibundle2' } },
			'another bundle key': { ...p, pointer: { ...p.pointer, key: toBase64(randomBytes(32)) } },
			'another salt': { ...p, bundle: { ...b, salt: toBase64(randomBytes(32)) } },
			'another version': { ...p, bundle: { ...b, v: 3 as typeof BUNDLE_VERSION } }
		};
		const seen = new Set([c]);
		for (const [what, v] of Object.entries(variants)) {
			const other = await grantCommitment(v);
			expect(seen.has(other), what).toBe(false);
			seen.add(other);
			await expect(checkGrantCommitment(c, v), what).rejects.toBeInstanceOf(GrantCommitmentMismatchError);
		}
	});

	it('frames every field: items that concatenate alike commit differently', async () => {
		const p = input();
		const one = { ...p, bundle: { ...p.bundle, scope: { recordIds: ['ab'] } } };
		const two = { ...p, bundle: { ...p.bundle, scope: { recordIds: ['a', 'b'] } } };
		expect(await grantCommitment(one)).not.toBe(await grantCommitment(two));
	});

	it('a malformed salt or address is a mismatch, never a crash', async () => {
		const p = input();
		const c = await grantCommitment(p);
		for (const bad of [
			{ ...p, bundle: { ...p.bundle, salt: toBase64(randomBytes(16)) } },
			{ ...p, bundle: { ...p.bundle, salt: '***' } },
			{ ...p, grantee: '0x1234' as Hex },
			{ ...p, expiresAt: -1 }
		])
			await expect(checkGrantCommitment(c, bad)).rejects.toBeInstanceOf(GrantCommitmentMismatchError);
	});
});
