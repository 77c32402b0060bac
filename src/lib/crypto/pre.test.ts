import { describe, expect, it } from 'vitest';
import { makeKFrag, openDataKey, openReencrypted, reencryptCapsule, sealDataKey, verifyCapsuleFrag } from './pre';
import { deriveVaultKeys } from './keys';
import { bytesToHex } from './encoding';
import { DecryptionFailedError, InvalidInputError } from './errors';
import { generateDataKey } from './recordCipher';
import { getUmbral } from './sodium';

const root = (b: number) => new Uint8Array(32).fill(b);

describe('Umbral data-key sealing', () => {
	it('round trips through the category key', async () => {
		const keys = await deriveVaultKeys(root(1));
		const dek = await generateDataKey();
		const { secretKey, publicKey } = keys.umbralKey('lab', 0);
		const sealed = await sealDataKey(publicKey, dek);
		expect(bytesToHex(await openDataKey(secretKey, sealed))).toBe(bytesToHex(dek));
		// as stored in a manifest: plain bytes, no WASM objects
		const copy = { capsule: sealed.capsule.slice(), ciphertext: sealed.ciphertext.slice() };
		expect(bytesToHex(await openDataKey(secretKey, copy))).toBe(bytesToHex(dek));
	});

	it('another category, epoch or vault cannot open it', async () => {
		const keys = await deriveVaultKeys(root(2));
		const other = await deriveVaultKeys(root(3));
		const sealed = await sealDataKey(keys.umbralKey('lab', 0).publicKey, await generateDataKey());
		for (const sk of [keys.umbralKey('lab', 1).secretKey, keys.umbralKey('imaging', 0).secretKey, other.umbralKey('lab', 0).secretKey]) {
			await expect(openDataKey(sk, sealed)).rejects.toThrow(DecryptionFailedError);
		}
	});

	it('altered capsule or ciphertext fails with DecryptionFailedError', async () => {
		const keys = await deriveVaultKeys(root(4));
		const { secretKey, publicKey } = keys.umbralKey('lab', 0);
		const sealed = await sealDataKey(publicKey, await generateDataKey());
		const ct = sealed.ciphertext.slice();
		ct[ct.length - 1] ^= 1;
		await expect(openDataKey(secretKey, { ...sealed, ciphertext: ct })).rejects.toThrow(DecryptionFailedError);
		const cap = sealed.capsule.slice();
		cap[5] ^= 1;
		await expect(openDataKey(secretKey, { ...sealed, capsule: cap })).rejects.toThrow(DecryptionFailedError);
		await expect(openDataKey(secretKey, { ...sealed, capsule: sealed.capsule.subarray(0, 10) })).rejects.toThrow(DecryptionFailedError);
	});

	it('checks the data key length', async () => {
		const keys = await deriveVaultKeys(root(5));
		await expect(sealDataKey(keys.umbralKey('lab', 0).publicKey, new Uint8Array(31))).rejects.toThrow(InvalidInputError);
	});
});

describe('proxy re-encryption to a grantee', () => {
	it('the grantee opens a re-encrypted data key; others cannot', async () => {
		const umbral = await getUmbral();
		const patient = await deriveVaultKeys(root(6));
		const doctor = await deriveVaultKeys(root(7));
		const stranger = await deriveVaultKeys(root(8));
		const category = patient.umbralKey('lab', 0);
		const dek = await generateDataKey();
		const sealed = await sealDataKey(category.publicKey, dek);

		const signer = new umbral.Signer(patient.umbralIdentity.secretKey);
		const verifyingPk = signer.verifyingKey();
		const kfrag = await makeKFrag(category.secretKey, doctor.umbralIdentity.publicKey, signer);
		const cfrag = await reencryptCapsule(sealed.capsule, kfrag);

		const params = {
			receivingSk: doctor.umbralIdentity.secretKey,
			delegatingPk: category.publicKey,
			verifyingPk,
			capsule: sealed.capsule,
			cfrag,
			ciphertext: sealed.ciphertext
		};
		expect(bytesToHex(await openReencrypted(params))).toBe(bytesToHex(dek));
		await expect(openReencrypted({ ...params, receivingSk: stranger.umbralIdentity.secretKey })).rejects.toThrow(DecryptionFailedError);
		const badCfrag = cfrag.slice();
		badCfrag[40] ^= 1;
		await expect(openReencrypted({ ...params, cfrag: badCfrag })).rejects.toThrow(DecryptionFailedError);
		await expect(openReencrypted({ ...params, verifyingPk: stranger.umbralIdentity.publicKey })).rejects.toThrow(DecryptionFailedError);
		signer.free();
		kfrag.free();
	});

	it('verifyCapsuleFrag: true only for the right capsule, keys and recipient; false (not a throw) for garbage', async () => {
		const patient = await deriveVaultKeys(root(9));
		const doctor = await deriveVaultKeys(root(10));
		const stranger = await deriveVaultKeys(root(11));
		const category = patient.umbralKey('lab', 0);
		const sealed = await sealDataKey(category.publicKey, await generateDataKey());
		const other = await sealDataKey(category.publicKey, await generateDataKey());
		const { signer, verifyingKey } = patient.umbralSigner;
		const kfrag = await makeKFrag(category.secretKey, doctor.umbralIdentity.publicKey, signer);
		const cfrag = await reencryptCapsule(sealed.capsule, kfrag);
		kfrag.free();
		const params = {
			capsule: sealed.capsule,
			cfrag,
			verifyingPk: verifyingKey,
			delegatingPk: category.publicKey,
			receivingPk: doctor.umbralIdentity.publicKey
		};
		expect(await verifyCapsuleFrag(params)).toBe(true);
		expect(await verifyCapsuleFrag({ ...params, capsule: other.capsule })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, receivingPk: stranger.umbralIdentity.publicKey })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, verifyingPk: patient.umbralIdentity.publicKey })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, delegatingPk: patient.umbralKey('lab', 1).publicKey })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, cfrag: cfrag.subarray(1) })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, cfrag: new Uint8Array(0) })).toBe(false);
		// Verification must not consume the caller's keys: they still work afterwards.
		expect(await verifyCapsuleFrag(params)).toBe(true);
	});
});
