import { describe, expect, it } from 'vitest';
import { decryptBlob, encryptBlob, openSealed, sealTo, signDetached, verifyDetached } from './seal';
import { bytesToHex } from './encoding';
import { DecryptionFailedError, InvalidInputError } from './errors';
import { getSodium } from './sodium';
import { deterministicRandom } from './testkit';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('sealed boxes', () => {
	it('round trip, and only the right key pair opens', async () => {
		const s = await getSodium();
		const alice = s.crypto_box_keypair();
		const bob = s.crypto_box_keypair();
		const sealed = await sealTo(alice.publicKey, bytes('hello'));
		expect(new TextDecoder().decode(await openSealed(alice, sealed))).toBe('hello');
		await expect(openSealed(bob, sealed)).rejects.toThrow(DecryptionFailedError);
		const bad = sealed.slice();
		bad[bad.length - 1] ^= 1;
		await expect(openSealed(alice, bad)).rejects.toThrow(DecryptionFailedError);
		await expect(sealTo(new Uint8Array(31), bytes('x'))).rejects.toThrow('publicKey: expected Uint8Array of length 32, got length=31');
	});
});

describe('encryptBlob / decryptBlob', () => {
	it('round trips with and without associated data', async () => {
		const s = await getSodium();
		const key = s.crypto_aead_xchacha20poly1305_ietf_keygen();
		for (const ad of [undefined, bytes('ad')]) {
			const blob = await encryptBlob(key, bytes('index'), ad);
			expect(blob).toHaveLength(24 + 5 + 16);
			expect(new TextDecoder().decode(await decryptBlob(key, blob, ad))).toBe('index');
		}
	});

	it('is deterministic with injected randomness (nonce first)', async () => {
		const key = new Uint8Array(32).fill(9);
		const a = await encryptBlob(key, bytes('x'), undefined, { random: deterministicRandom(3) });
		const b = await encryptBlob(key, bytes('x'), undefined, { random: deterministicRandom(3) });
		expect(bytesToHex(a)).toBe(bytesToHex(b));
		expect(bytesToHex(a.subarray(0, 24))).toBe(bytesToHex(deterministicRandom(3)(24)));
	});

	it('fails with DecryptionFailedError on tamper, truncation, wrong key, wrong AD', async () => {
		const key = new Uint8Array(32).fill(1);
		const blob = await encryptBlob(key, bytes('secret index'), bytes('index/0xabc'));
		const flipped = blob.slice();
		flipped[30] ^= 4;
		await expect(decryptBlob(key, flipped, bytes('index/0xabc'))).rejects.toThrow(DecryptionFailedError);
		await expect(decryptBlob(key, blob.subarray(0, blob.length - 1), bytes('index/0xabc'))).rejects.toThrow(DecryptionFailedError);
		await expect(decryptBlob(key, blob.subarray(0, 10), bytes('index/0xabc'))).rejects.toThrow(DecryptionFailedError);
		await expect(decryptBlob(new Uint8Array(32).fill(2), blob, bytes('index/0xabc'))).rejects.toThrow(DecryptionFailedError);
		await expect(decryptBlob(key, blob, bytes('pointer/0xabc'))).rejects.toThrow(DecryptionFailedError);
		await expect(decryptBlob(key, blob)).rejects.toThrow(DecryptionFailedError);
	});

	it('checks the key length', async () => {
		await expect(encryptBlob(new Uint8Array(16), bytes('x'))).rejects.toThrow(InvalidInputError);
	});
});

describe('Ed25519', () => {
	it('signs and verifies; any change fails verification', async () => {
		const s = await getSodium();
		const kp = s.crypto_sign_keypair();
		const sig = await signDetached(bytes('manifest'), kp.privateKey);
		expect(sig).toHaveLength(64);
		expect(await verifyDetached(sig, bytes('manifest'), kp.publicKey)).toBe(true);
		expect(await verifyDetached(sig, bytes('manifesT'), kp.publicKey)).toBe(false);
		expect(await verifyDetached(sig.subarray(0, 63), bytes('manifest'), kp.publicKey)).toBe(false);
		expect(await verifyDetached(sig, bytes('manifest'), s.crypto_sign_keypair().publicKey)).toBe(false);
	});
});
