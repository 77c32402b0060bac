import type { PublicKey, SecretKey, Signer, VerifiedCapsuleFrag, VerifiedKeyFrag } from '@nucypher/umbral-pre';
import { DecryptionFailedError } from './errors';
import { checkBytes } from './input';
import { getUmbral } from './sodium';

/**
 * Umbral proxy re-encryption (secp256k1) around data keys. A record's data
 * key is sealed to its (category, epoch) public key; the patient opens it with
 * the category secret key, and a grantee opens it from a capsule fragment the
 * patient's browser made with a kfrag for that grantee.
 */

export interface SealedDataKey {
	/** Umbral capsule bytes. */
	capsule: Uint8Array;
	/** The data key encrypted under the capsule's key. */
	ciphertext: Uint8Array;
}

/** Seals a 32-byte data key to an Umbral public key. */
export async function sealDataKey(categoryPublicKey: PublicKey, dek: Uint8Array): Promise<SealedDataKey> {
	const umbral = await getUmbral();
	checkBytes('dek', dek, 32);
	const [capsule, ciphertext] = umbral.encrypt(categoryPublicKey, dek);
	try {
		return { capsule: capsule.toBytes(), ciphertext };
	} finally {
		capsule.free();
	}
}

/** Opens a sealed data key with the category secret key; DecryptionFailedError for a wrong key or altered bytes. */
export async function openDataKey(categorySecretKey: SecretKey, sealed: SealedDataKey): Promise<Uint8Array> {
	const umbral = await getUmbral();
	checkBytes('sealed.capsule', sealed?.capsule);
	checkBytes('sealed.ciphertext', sealed.ciphertext);
	let capsule;
	try {
		capsule = umbral.Capsule.fromBytes(sealed.capsule);
		const dek = umbral.decryptOriginal(categorySecretKey, capsule, sealed.ciphertext);
		if (dek.length !== 32) throw new Error('unexpected data key length');
		return dek;
	} catch (cause) {
		throw new DecryptionFailedError({ cause });
	} finally {
		capsule?.free();
	}
}

/**
 * A key fragment re-encrypting from `delegatingSk` to `receivingPk`
 * (threshold 1 of 1, both keys signed). It stays in the patient's browser:
 * a kfrag plus the grantee's secret key reveals the delegating key.
 */
export async function makeKFrag(delegatingSk: SecretKey, receivingPk: PublicKey, signer: Signer): Promise<VerifiedKeyFrag> {
	const umbral = await getUmbral();
	const [kfrag] = umbral.generateKFrags(delegatingSk, receivingPk, signer, 1, 1, true, true);
	return kfrag;
}

/** Re-encrypts a capsule with a kfrag; returns the capsule fragment bytes to deliver to the grantee. */
export async function reencryptCapsule(capsuleBytes: Uint8Array, kfrag: VerifiedKeyFrag): Promise<Uint8Array> {
	const umbral = await getUmbral();
	checkBytes('capsule', capsuleBytes);
	const capsule = umbral.Capsule.fromBytes(capsuleBytes);
	try {
		const cfrag = umbral.reencrypt(capsule, kfrag);
		try {
			return cfrag.toBytes();
		} finally {
			cfrag.free();
		}
	} finally {
		capsule.free();
	}
}

/**
 * Whether a capsule fragment was made for `receivingPk` from this capsule by a
 * kfrag of `delegatingPk` signed by `verifyingPk`. False (never a throw) for
 * any mismatch or malformed bytes, so callers can report it as tampering
 * rather than as a decryption failure.
 */
export async function verifyCapsuleFrag(params: {
	capsule: Uint8Array;
	cfrag: Uint8Array;
	verifyingPk: PublicKey;
	delegatingPk: PublicKey;
	receivingPk: PublicKey;
}): Promise<boolean> {
	const umbral = await getUmbral();
	checkBytes('capsule', params?.capsule);
	checkBytes('cfrag', params.cfrag);
	const freeable: Array<{ free(): void }> = [];
	try {
		const capsule = umbral.Capsule.fromBytes(params.capsule);
		freeable.push(capsule);
		const cfrag = umbral.CapsuleFrag.fromBytes(params.cfrag);
		freeable.push(cfrag);
		freeable.push(cfrag.verify(capsule, params.verifyingPk, params.delegatingPk, params.receivingPk));
		return true;
	} catch {
		return false;
	} finally {
		for (const f of freeable) {
			try {
				f.free();
			} catch {
				// consumed by a WASM call that took ownership
			}
		}
	}
}

/**
 * The data key for a grantee: checks the capsule fragment against the
 * capsule and the three public keys, then decrypts. DecryptionFailedError if
 * anything does not match.
 */
export async function openReencrypted(params: {
	receivingSk: SecretKey;
	delegatingPk: PublicKey;
	verifyingPk: PublicKey;
	capsule: Uint8Array;
	cfrag: Uint8Array;
	ciphertext: Uint8Array;
}): Promise<Uint8Array> {
	const umbral = await getUmbral();
	checkBytes('capsule', params?.capsule);
	checkBytes('cfrag', params.cfrag);
	checkBytes('ciphertext', params.ciphertext);
	const freeable: Array<{ free(): void }> = [];
	try {
		const capsule = umbral.Capsule.fromBytes(params.capsule);
		freeable.push(capsule);
		const receivingPk = params.receivingSk.publicKey();
		freeable.push(receivingPk);
		const cfrag = umbral.CapsuleFrag.fromBytes(params.cfrag);
		freeable.push(cfrag);
		const verified: VerifiedCapsuleFrag = cfrag.verify(capsule, params.verifyingPk, params.delegatingPk, receivingPk);
		freeable.push(verified);
		const dek = umbral.decryptReencrypted(params.receivingSk, params.delegatingPk, capsule, [verified], params.ciphertext);
		if (dek.length !== 32) throw new Error('unexpected data key length');
		return dek;
	} catch (cause) {
		throw new DecryptionFailedError({ cause });
	} finally {
		for (const f of freeable) {
			try {
				f.free();
			} catch {
				// consumed by a WASM call that took ownership
			}
		}
	}
}
