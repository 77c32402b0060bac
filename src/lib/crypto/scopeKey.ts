import { combine, split } from 'shamir-secret-sharing';
import { concatBytes, utf8 } from './encoding';
import { InvalidInputError } from './errors';
import { checkBytes, checkInteger } from './input';
import { getSodium } from './sodium';

/**
 * The emergency (break-glass) scope key: derived from the vault, split t of n
 * with the audited `shamir-secret-sharing`, and rebuilt by a provider from the
 * guardians' shares.
 *
 * Contract: `splitScopeKey` throws InvalidInputError on bad arguments;
 * `combineScopeKey` returns the key only when it matches the commitment the
 * patient published, and null otherwise (too few shares, a wrong or damaged
 * share, shares of another key): Shamir's `combine` returns *some* bytes for
 * any input, so its result is never trusted unchecked.
 */

export const SCOPE_KEY_BYTES = 32;
export const SCOPE_SALT_BYTES = 32;
/** A Shamir share of a 32-byte key: the key's length plus its x coordinate. */
export const SHARE_BYTES = SCOPE_KEY_BYTES + 1;
/** Shamir's split needs a threshold of 2 or more; with t = 1 every guardian holds the key, marked by this x. */
const WHOLE_KEY_X = 0;
const KEY_LABEL = utf8('carevault/emergency/scope-key/v1');
const COMMIT_LABEL = utf8('carevault/emergency/key-commitment/v1');

/**
 * The scope key of one guardian set-up: keyed BLAKE2b over the patient and a
 * random salt, keyed with a vault subkey. Any device of the vault rebuilds it
 * from the salt (published beside the scope pointer); a new set-up takes a new
 * salt, so every key epoch has a fresh key.
 */
export async function deriveScopeKey(vaultSubkey: Uint8Array, patient: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('vaultSubkey', vaultSubkey, 32);
	checkBytes('patient', patient, 20);
	checkBytes('salt', salt, SCOPE_SALT_BYTES);
	return sodium.crypto_generichash(SCOPE_KEY_BYTES, concatBytes(KEY_LABEL, patient, salt), vaultSubkey);
}

/** A public commitment to the key (a PRF output keyed by it): reveals nothing of the key, binds exactly one. */
export async function scopeKeyCommitment(key: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('key', key, SCOPE_KEY_BYTES);
	return sodium.crypto_generichash(32, COMMIT_LABEL, key);
}

/** Splits `key` into `shares` shares, any `threshold` of which rebuild it (1 <= threshold <= shares <= 255). */
export async function splitScopeKey(key: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
	checkBytes('key', key, SCOPE_KEY_BYTES);
	checkInteger('shares', shares, 1);
	checkInteger('threshold', threshold, 1);
	if (threshold > shares || shares > 255) throw new InvalidInputError(`expected 1 <= threshold <= shares <= 255, got threshold=${threshold}, shares=${shares}`);
	if (threshold === 1) return Array.from({ length: shares }, () => concatBytes(key, Uint8Array.of(WHOLE_KEY_X)));
	// Shamir needs two shares at least even for a threshold of 2 of 2 or more: shares >= threshold >= 2 here.
	return split(key, shares, threshold);
}

/**
 * Rebuilds the key from `shares` and checks it against `commitment`: the key,
 * or null when it does not match (fewer than the threshold, or any share wrong).
 * Duplicate shares count once.
 */
export async function combineScopeKey(shares: readonly Uint8Array[], commitment: Uint8Array): Promise<Uint8Array | null> {
	checkBytes('commitment', commitment, 32);
	const distinct = new Map<string, Uint8Array>();
	for (const [i, share] of shares.entries()) distinct.set(checkBytes(`shares[${i}]`, share, SHARE_BYTES).join(','), share);
	const list = [...distinct.values()];
	if (list.length === 0) return null;
	const whole = list.find((s) => s[SCOPE_KEY_BYTES] === WHOLE_KEY_X);
	let key: Uint8Array;
	try {
		key = whole ? whole.slice(0, SCOPE_KEY_BYTES) : list.length < 2 ? new Uint8Array(SCOPE_KEY_BYTES) : await combine(list);
	} catch {
		// Same x coordinate twice with different bytes, and the like: not shares of one key.
		return null;
	}
	const sodium = await getSodium();
	return sodium.memcmp(await scopeKeyCommitment(key), commitment) ? key : null;
}
