import type { PublicKey, SecretKey, SecretKeyFactory, Signer } from '@nucypher/umbral-pre';
import { concatBytes, utf8 } from './encoding';
import { InvalidInputError, VaultLockedError } from './errors';
import { checkBytes, checkInteger, checkString } from './input';
import { getSodium, getUmbral } from './sodium';
import type { PublicKeys } from '../types';

/**
 * Every key of a vault, derived from its root secret with libsodium's
 * crypto_kdf (BLAKE2b keyed with the root secret, context "carevlt1", one
 * subkey id per purpose). Ids are never reused for another purpose; a new
 * purpose takes the next id.
 */
export const KDF_CONTEXT = 'carevlt1';
export const SUBKEY = { inbox: 1, signing: 2, index: 3, umbral: 4, links: 5 } as const;

/** Bytes of the random salt that names one share link's keys. */
export const LINK_SALT_BYTES = 16;

export interface UmbralKeyPair {
	secretKey: SecretKey;
	publicKey: PublicKey;
}

export interface VaultKeys {
	/** X25519 key pair: sealed boxes to the patient (proposals, bundles). */
	readonly inbox: { publicKey: Uint8Array; privateKey: Uint8Array };
	/** Ed25519 key pair (libsodium format: 64-byte private key): manifest signatures. */
	readonly signing: { publicKey: Uint8Array; privateKey: Uint8Array };
	/** 32-byte key of the encrypted record index and its pointer. */
	readonly index: Uint8Array;
	/**
	 * The Umbral delegating key of one (category, epoch): data keys of records
	 * in that category are sealed to its public key; grants make kfrags from
	 * its secret key. Memoised; the returned objects belong to VaultKeys and
	 * are freed by wipe(), so callers must not free() them.
	 */
	umbralKey(category: string, epoch: number): UmbralKeyPair;
	/** The person's own Umbral key, to receive re-encrypted capsules (published as PublicKeys.umbral). */
	readonly umbralIdentity: UmbralKeyPair;
	/**
	 * Signs the kfrags of grants, so a grantee can check that a capsule
	 * fragment was made by this vault (its verifying key travels in the
	 * bundle). A key of its own: never used to decrypt. Freed by wipe().
	 */
	readonly umbralSigner: { signer: Signer; verifyingKey: PublicKey };
	/**
	 * The secrets of share link `salt` (LINK_SALT_BYTES random bytes): an
	 * X25519 secret key and an Umbral secret key (big-endian). Derived rather
	 * than random so the patient can show a link again on any device; without
	 * the vault's keys, links cannot be tied to the vault or to each other.
	 * Returns fresh copies the caller owns.
	 */
	linkSecrets(salt: Uint8Array): { inboxSecret: Uint8Array; umbralSecret: Uint8Array };
	/** True once wipe() has run. */
	readonly wiped: boolean;
}

/** The Umbral label of a (category, epoch) key; injective since the epoch is the last, colon-free field. */
export function umbralLabel(category: string, epoch: number): string {
	checkString('category', category, { nonEmpty: true });
	checkInteger('epoch', epoch);
	return `category:${category}:epoch:${epoch}`;
}

export const UMBRAL_IDENTITY_LABEL = 'identity';
export const UMBRAL_SIGNER_LABEL = 'signer';

// Only wipe() can reach the closure that forgets a VaultKeys' secrets.
const WIPE = Symbol('wipe');

/** Derives all vault keys from the 32-byte root secret. Deterministic: the same secret gives the same keys. */
export async function deriveVaultKeys(rootSecret: Uint8Array): Promise<VaultKeys> {
	const sodium = await getSodium();
	const umbral = await getUmbral();
	checkBytes('rootSecret', rootSecret, 32);
	const derive = (id: number, length = 32) => sodium.crypto_kdf_derive_from_key(length, id, KDF_CONTEXT, rootSecret);

	const inboxSeed = derive(SUBKEY.inbox);
	const signingSeed = derive(SUBKEY.signing);
	const umbralSeed = derive(SUBKEY.umbral, umbral.SecretKeyFactory.seedSize());
	const inbox = sodium.crypto_box_seed_keypair(inboxSeed);
	const signing = sodium.crypto_sign_seed_keypair(signingSeed);
	const factory: SecretKeyFactory = umbral.SecretKeyFactory.fromSecureRandomness(umbralSeed);
	sodium.memzero(inboxSeed);
	sodium.memzero(signingSeed);
	sodium.memzero(umbralSeed);

	const linkRoot = derive(SUBKEY.links);
	const cache = new Map<string, UmbralKeyPair>();
	let wiped = false;
	const make = (label: string): UmbralKeyPair => {
		if (wiped) throw new VaultLockedError();
		let pair = cache.get(label);
		if (!pair) {
			const secretKey = factory.makeKey(utf8(label));
			pair = { secretKey, publicKey: secretKey.publicKey() };
			cache.set(label, pair);
		}
		return pair;
	};
	let signer: { signer: Signer; verifyingKey: PublicKey } | undefined;
	const keys: VaultKeys & { [WIPE]: () => void } = {
		inbox: { publicKey: inbox.publicKey, privateKey: inbox.privateKey },
		signing: { publicKey: signing.publicKey, privateKey: signing.privateKey },
		index: derive(SUBKEY.index),
		umbralKey: (category, epoch) => make(umbralLabel(category, epoch)),
		get umbralIdentity() {
			return make(UMBRAL_IDENTITY_LABEL);
		},
		get umbralSigner() {
			if (!signer) {
				const s = new umbral.Signer(make(UMBRAL_SIGNER_LABEL).secretKey);
				signer = { signer: s, verifyingKey: s.verifyingKey() };
			}
			return signer;
		},
		linkSecrets(salt) {
			if (wiped) throw new VaultLockedError();
			checkBytes('salt', salt, LINK_SALT_BYTES);
			// Keyed BLAKE2b as the PRF for the X25519 seed; Umbral's own factory for its key.
			const seed = sodium.crypto_generichash(32, concatBytes(utf8('carevault/v1/link-x25519'), salt), linkRoot);
			const box = sodium.crypto_box_seed_keypair(seed);
			sodium.memzero(seed);
			const umbralKey = factory.makeKey(concatBytes(utf8('link:'), salt));
			try {
				return { inboxSecret: box.privateKey, umbralSecret: umbralKey.toBEBytes() };
			} finally {
				umbralKey.free();
			}
		},
		get wiped() {
			return wiped;
		},
		[WIPE]: () => {
			if (wiped) return;
			wiped = true;
			sodium.memzero(keys.inbox.privateKey);
			sodium.memzero(keys.signing.privateKey);
			sodium.memzero(keys.index);
			sodium.memzero(linkRoot);
			signer?.signer.free();
			signer?.verifyingKey.free();
			signer = undefined;
			for (const pair of cache.values()) {
				pair.secretKey.free();
				pair.publicKey.free();
			}
			cache.clear();
			factory.free();
		}
	};
	return keys;
}


/** The public keys to publish in the key registry. */
export function publicKeysOf(keys: VaultKeys): PublicKeys {
	if (keys.wiped) throw new VaultLockedError();
	return {
		inbox: keys.inbox.publicKey.slice(),
		signing: keys.signing.publicKey.slice(),
		umbral: keys.umbralIdentity.publicKey.toCompressedBytes()
	};
}

/**
 * Forgets the keys: zeroes the secret bytes and frees the Umbral secrets held
 * in WASM memory. Locking calls this. Idempotent. (JavaScript may still hold
 * copies the garbage collector has not reclaimed; this is best effort.)
 */
export function wipe(keys: VaultKeys): void {
	const fn = (keys as Partial<Record<typeof WIPE, () => void>>)[WIPE];
	if (!fn) throw new InvalidInputError('keys: expected VaultKeys from deriveVaultKeys');
	fn();
}

/** Alias of wipe(), the name lib/state uses. */
export const wipeVaultKeys = wipe;
