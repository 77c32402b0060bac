import { describe, expect, it } from 'vitest';
import { deriveVaultKeys, publicKeysOf, umbralLabel, wipe, wipeVaultKeys } from './keys';
import { VaultLockedError } from './errors';
import { bytesToHex } from './encoding';
import { InvalidInputError } from './errors';
import { openSealed, sealTo, signDetached, verifyDetached } from './seal';
import { getSodium } from './sodium';

const root = (b: number) => new Uint8Array(32).fill(b);

describe('deriveVaultKeys', () => {
	it('is deterministic', async () => {
		const a = await deriveVaultKeys(root(1));
		const b = await deriveVaultKeys(root(1));
		expect(bytesToHex(a.inbox.privateKey)).toBe(bytesToHex(b.inbox.privateKey));
		expect(bytesToHex(a.signing.privateKey)).toBe(bytesToHex(b.signing.privateKey));
		expect(bytesToHex(a.index)).toBe(bytesToHex(b.index));
		expect(a.umbralKey('lab', 0).publicKey.equals(b.umbralKey('lab', 0).publicKey)).toBe(true);
		expect(a.umbralIdentity.publicKey.equals(b.umbralIdentity.publicKey)).toBe(true);
	});

	it('uses crypto_kdf with context "carevlt1" and one subkey id per purpose', async () => {
		const s = await getSodium();
		const k = await deriveVaultKeys(root(2));
		expect(bytesToHex(k.index)).toBe(bytesToHex(s.crypto_kdf_derive_from_key(32, 3, 'carevlt1', root(2))));
		const inbox = s.crypto_box_seed_keypair(s.crypto_kdf_derive_from_key(32, 1, 'carevlt1', root(2)));
		expect(bytesToHex(k.inbox.publicKey)).toBe(bytesToHex(inbox.publicKey));
		const signing = s.crypto_sign_seed_keypair(s.crypto_kdf_derive_from_key(32, 2, 'carevlt1', root(2)));
		expect(bytesToHex(k.signing.publicKey)).toBe(bytesToHex(signing.publicKey));
	});

	it('labels are independent: every key differs, per secret, category and epoch', async () => {
		const k = await deriveVaultKeys(root(3));
		const other = await deriveVaultKeys(root(4));
		const hexes = [
			bytesToHex(k.inbox.privateKey),
			bytesToHex(k.signing.privateKey.subarray(0, 32)),
			bytesToHex(k.index),
			bytesToHex(k.umbralKey('lab', 0).secretKey.toBEBytes()),
			bytesToHex(k.umbralKey('lab', 1).secretKey.toBEBytes()),
			bytesToHex(k.umbralKey('imaging', 0).secretKey.toBEBytes()),
			bytesToHex(k.umbralIdentity.secretKey.toBEBytes()),
			bytesToHex(other.index),
			bytesToHex(other.umbralKey('lab', 0).secretKey.toBEBytes())
		];
		expect(new Set(hexes).size).toBe(hexes.length);
		expect(umbralLabel('lab', 3)).toBe('category:lab:epoch:3');
	});

	it('the derived key pairs work', async () => {
		const k = await deriveVaultKeys(root(5));
		const msg = new TextEncoder().encode('m');
		expect(bytesToHex(await openSealed(k.inbox, await sealTo(k.inbox.publicKey, msg)))).toBe('6d');
		expect(await verifyDetached(await signDetached(msg, k.signing.privateKey), msg, k.signing.publicKey)).toBe(true);
	});

	it('publicKeysOf gives the registry keys (33-byte compressed Umbral key)', async () => {
		const k = await deriveVaultKeys(root(6));
		const pub = publicKeysOf(k);
		expect(pub.inbox).toHaveLength(32);
		expect(pub.signing).toHaveLength(32);
		expect(pub.umbral).toHaveLength(33);
		expect(bytesToHex(pub.umbral)).toBe(bytesToHex(k.umbralIdentity.publicKey.toCompressedBytes()));
	});

	it('wipe zeroes secrets and locks the Umbral keys', async () => {
		const k = await deriveVaultKeys(root(7));
		k.umbralKey('lab', 0);
		wipe(k);
		wipeVaultKeys(k); // idempotent
		expect(k.wiped).toBe(true);
		expect(k.index.every((b) => b === 0)).toBe(true);
		expect(k.inbox.privateKey.every((b) => b === 0)).toBe(true);
		expect(k.signing.privateKey.every((b) => b === 0)).toBe(true);
		expect(() => k.umbralKey('lab', 0)).toThrow(VaultLockedError);
		expect(() => publicKeysOf(k)).toThrow(VaultLockedError);
	});

	it('checks its inputs', async () => {
		await expect(deriveVaultKeys(new Uint8Array(16))).rejects.toThrow('rootSecret: expected Uint8Array of length 32, got length=16');
		const k = await deriveVaultKeys(root(8));
		expect(() => k.umbralKey('', 0)).toThrow(InvalidInputError);
		expect(() => k.umbralKey('lab', -1)).toThrow(InvalidInputError);
		expect(() => wipe({} as never)).toThrow(InvalidInputError);
	});

	it('derives a kfrag signer of its own: deterministic, distinct from every other Umbral key, gone after wipe', async () => {
		const rs = new Uint8Array(32).fill(7);
		const a = await deriveVaultKeys(rs);
		const b = await deriveVaultKeys(rs);
		const pk = bytesToHex(a.umbralSigner.verifyingKey.toCompressedBytes());
		expect(bytesToHex(b.umbralSigner.verifyingKey.toCompressedBytes())).toBe(pk);
		expect(a.umbralSigner).toBe(a.umbralSigner);
		expect(bytesToHex(a.umbralIdentity.publicKey.toCompressedBytes())).not.toBe(pk);
		expect(bytesToHex(a.umbralKey('signer', 0).publicKey.toCompressedBytes())).not.toBe(pk);
		expect(bytesToHex((await deriveVaultKeys(new Uint8Array(32).fill(8))).umbralSigner.verifyingKey.toCompressedBytes())).not.toBe(pk);
		wipe(a);
		expect(() => a.umbralSigner).toThrow(VaultLockedError);
	});
});
