import { concatBytes } from './encoding';
import { DecryptionFailedError } from './errors';
import { checkBytes, takeRandom, type RandomSource } from './input';
import { getSodium } from './sodium';

/**
 * Small whole-buffer primitives: sealed boxes to an X25519 key, secret-key
 * blobs (the record index and its on-chain pointer), Ed25519 signatures.
 */

const NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
const TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES

export interface BoxKeyPair {
	publicKey: Uint8Array;
	privateKey: Uint8Array;
}

/** Anonymous encryption to an X25519 public key (crypto_box_seal). */
export async function sealTo(publicKey: Uint8Array, bytes: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('publicKey', publicKey, 32);
	checkBytes('bytes', bytes);
	return sodium.crypto_box_seal(bytes, publicKey);
}

/** Opens a sealed box; DecryptionFailedError if it was not sealed to this key pair or was altered. */
export async function openSealed(keyPair: BoxKeyPair, bytes: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('keyPair.publicKey', keyPair?.publicKey, 32);
	checkBytes('keyPair.privateKey', keyPair.privateKey, 32);
	checkBytes('bytes', bytes);
	try {
		return sodium.crypto_box_seal_open(bytes, keyPair.publicKey, keyPair.privateKey);
	} catch (cause) {
		throw new DecryptionFailedError({ cause });
	}
}

/**
 * XChaCha20-Poly1305 with a random 24-byte nonce stored in front:
 * blob = nonce || ciphertext || tag. Random nonces are safe at this size.
 */
export async function encryptBlob(
	key: Uint8Array,
	plaintext: Uint8Array,
	ad: Uint8Array = new Uint8Array(0),
	options: { random?: RandomSource } = {}
): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('key', key, 32);
	checkBytes('plaintext', plaintext);
	checkBytes('ad', ad);
	const nonce = takeRandom(options.random, NONCE_BYTES);
	return concatBytes(nonce, sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key));
}

/** Inverse of encryptBlob; DecryptionFailedError if the blob, key or associated data do not match. */
export async function decryptBlob(key: Uint8Array, blob: Uint8Array, ad: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('key', key, 32);
	checkBytes('blob', blob);
	checkBytes('ad', ad);
	if (blob.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionFailedError();
	try {
		return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
			null,
			blob.subarray(NONCE_BYTES),
			ad,
			blob.subarray(0, NONCE_BYTES),
			key
		);
	} catch (cause) {
		throw new DecryptionFailedError({ cause });
	}
}

/** Ed25519 detached signature (64 bytes) with a 64-byte libsodium secret key. */
export async function signDetached(message: Uint8Array, privateKey: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('message', message);
	checkBytes('privateKey', privateKey, 64);
	return sodium.crypto_sign_detached(message, privateKey);
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`; false otherwise. */
export async function verifyDetached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
	const sodium = await getSodium();
	checkBytes('signature', signature);
	checkBytes('message', message);
	checkBytes('publicKey', publicKey, 32);
	if (signature.length !== 64) return false;
	try {
		return sodium.crypto_sign_verify_detached(signature, message, publicKey);
	} catch {
		return false;
	}
}
