import { compactSignatureToSignature, parseCompactSignature, parseSignature, serializeSignature } from 'viem';
import { createSiweMessage } from 'viem/siwe';
import { bytesToHex, getAddress, hexToBigInt, numberToHex, stringToBytes } from 'viem/utils';
import { InvalidInputError, NonDeterministicSignerError, RecoveryCodeInvalidError } from './errors';
import { hkdfSha256 } from './hkdf';
import { checkBytes, checkInteger, checkMinBytes, checkString, takeRandom, type RandomSource } from './input';
import { getSodium } from './sodium';

/**
 * Key-encryption keys (KEKs) that unlock the vault header, from a wallet
 * signature, a passphrase or a printed recovery code. Verifying that a
 * signature belongs to the address is the caller's job (viem verifyMessage):
 * this module only turns bytes into keys.
 */

/** Salt length for every KEK (crypto_pwhash_SALTBYTES; stored in the vault header). */
export const KEK_SALT_BYTES = 16;

export const WALLET_KEK_INFO = 'carevault/v1/wallet-kek';
export const RECOVERY_KEK_INFO = 'carevault/v1/recovery-kek';

/** Everything the unlock message is built from; all of it is kept in the wallet slot of the vault header. */
export interface UnlockMessageParameters {
	/** The site's stable name (config.appDomain, e.g. "carevault.example"), never the page's current host. */
	domain: string;
	/** Where the site is meant to be opened (config.appUri). */
	uri: string;
	address: string;
	chainId: number;
	/** At least 8 letters or digits, chosen once when the vault is created. */
	nonce: string;
	/** ISO 8601 UTC instant as Date.toISOString() writes it, chosen once when the vault is created. */
	issuedAt: string;
}

/** What signing means, in the words the wallet shows above the message's fields. */
export function unlockStatement(domain: string): string {
	return `Unlock your Carevault vault. This signature is your vault key: sign it only on ${domain}.`;
}

/**
 * The Sign-In-with-Ethereum (EIP-4361) message whose signature unlocks a
 * vault, built by viem's createSiweMessage so wallets can run their own domain
 * checks. It names the site's stable domain (a phishing site must ask for a
 * message naming another domain, or one the wallet sees is not its own), the
 * address and the chain. Its nonce and Issued At are fixed per vault and kept
 * in the vault header: the same wallet must get the same message, hence the
 * same signature and key, on every device and every time.
 *
 * @example
 * unlockMessage({ domain: 'carevault.example', uri: 'https://carevault.example/', address: '0xf39F...2266',
 *   chainId: 1, nonce: '5f1d7a0c9b3e4d21', issuedAt: '2026-11-29T22:00:00.000Z' })
 */
export function unlockMessage(params: UnlockMessageParameters): string {
	const domain = checkString('domain', params?.domain, { nonEmpty: true });
	const uri = checkString('uri', params.uri, { nonEmpty: true });
	const address = checksumAddress(params.address);
	const chainId = checkInteger('chainId', params.chainId, 1);
	const nonce = checkString('nonce', params.nonce, { nonEmpty: true });
	const issuedAt = parseIssuedAt(params.issuedAt);
	try {
		return createSiweMessage({ domain, uri, address, chainId, nonce, issuedAt, version: '1', statement: unlockStatement(domain) });
	} catch (cause) {
		// viem names the field and the rule it broke (domain not an RFC 3986 authority, nonce too short ...).
		throw new InvalidInputError(`unlock message: ${(cause as { shortMessage?: string })?.shortMessage ?? String(cause)} (${JSON.stringify({ domain, uri, nonce })})`, { cause });
	}
}

/** Bytes of randomness in an unlock nonce (shown as 32 hex characters). */
const NONCE_BYTES = 16;

/**
 * The fixed parts of a new vault's unlock message: a random nonce and the
 * current time, to whole seconds. Both go into the vault header's wallet slot.
 */
export function newUnlockChallenge(options: { random?: RandomSource; now?: Date } = {}): { nonce: string; issuedAt: string } {
	const now = options.now ?? new Date();
	const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
	return { nonce: bytesToHex(takeRandom(options.random, NONCE_BYTES)).slice(2), issuedAt };
}

function parseIssuedAt(value: unknown): Date {
	const text = checkString('issuedAt', value, { nonEmpty: true });
	const date = new Date(text);
	// Only the exact form toISOString writes: anything else would not rebuild the same message.
	if (Number.isNaN(date.getTime()) || date.toISOString() !== text)
		throw new InvalidInputError(`issuedAt: expected an ISO 8601 UTC time such as "2026-11-29T22:00:00.000Z", got ${JSON.stringify(text)}`);
	return date;
}

function checksumAddress(address: unknown): `0x${string}` {
	checkString('address', address, { nonEmpty: true });
	try {
		return getAddress(address as string);
	} catch (cause) {
		throw new InvalidInputError(`address: expected a 20-byte hex Ethereum address, got ${JSON.stringify(address)}`, { cause });
	}
}

// Order of the secp256k1 group (SEC 2, section 2.4.1). An ECDSA signature (r, s)
// is equally valid as (r, n - s) with the other y parity; wallets should send
// the low-s form (EIP-2) but nothing forces them to.
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

/**
 * The one canonical encoding of a secp256k1 signature: 65 bytes r || s || v
 * with s in the lower half of the group order and v as 27 or 28. Accepts
 * 65-byte signatures whose v is 0, 1, 27 or 28 (with low or high s) and
 * 64-byte EIP-2098 compact signatures. A wallet that changes how it encodes
 * the same signature therefore still gives the same key.
 * Throws InvalidInputError for anything that is not a signature.
 */
export function normalizeSignature(signature: Uint8Array): Uint8Array {
	checkBytes('signature', signature);
	if (signature.length !== 64 && signature.length !== 65)
		throw new InvalidInputError(`signature: expected Uint8Array of length 65 (or 64, EIP-2098), got length=${signature.length}`);
	const hex = bytesToHex(signature);
	let parsed: { r: `0x${string}`; s: `0x${string}`; yParity: number };
	try {
		const p = signature.length === 64 ? compactSignatureToSignature(parseCompactSignature(hex)) : parseSignature(hex);
		parsed = { r: p.r, s: p.s, yParity: p.yParity ?? -1 };
	} catch (cause) {
		throw new InvalidInputError('signature: not a secp256k1 signature (r, s out of range or v not 0, 1, 27 or 28)', { cause });
	}
	let s = hexToBigInt(parsed.s);
	let yParity = parsed.yParity;
	if (yParity !== 0 && yParity !== 1) throw new InvalidInputError('signature: v must be 0, 1, 27 or 28');
	if (s > HALF_N) {
		s = SECP256K1_N - s;
		yParity = 1 - yParity;
	}
	return serializeSignature({ r: parsed.r, s: numberToHex(s, { size: 32 }), yParity, to: 'bytes' });
}

/**
 * The wallet KEK from two signatures of the unlock message, taken at set-up.
 * Wallets that sign non-deterministically (some hardware and smart-contract
 * wallets) would lock the person out on the next unlock, so they are refused.
 * Both are compared in their normalised form.
 */
export async function kekFromSignatures(sig1: Uint8Array, sig2: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	const a = normalizeSignature(sig1);
	const b = normalizeSignature(sig2);
	try {
		if (!sodium.memcmp(a, b)) throw new NonDeterministicSignerError();
		return await kekFromSignature(a, salt);
	} finally {
		sodium.memzero(a);
		sodium.memzero(b);
	}
}

/**
 * HKDF-SHA256(ikm = normalised 65-byte signature, salt, info =
 * "carevault/v1/wallet-kek"), 32 bytes. The caller keeps (and wipes) `signature`;
 * the normalised copy made here is wiped before returning.
 */
export async function kekFromSignature(signature: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	checkMinBytes('signature', signature, 64);
	checkBytes('salt', salt, KEK_SALT_BYTES);
	const canonical = normalizeSignature(signature);
	try {
		return await hkdfSha256(canonical, salt, WALLET_KEK_INFO, 32);
	} finally {
		canonical.fill(0);
	}
}

/** Argon2id parameters recorded with each passphrase slot. */
export interface Argon2Params {
	alg: 'argon2id13';
	opslimit: number;
	memlimit: number;
}

/**
 * libsodium's MODERATE limits (crypto_pwhash_OPSLIMIT_MODERATE = 3 passes,
 * MEMLIMIT_MODERATE = 256 MiB): a passphrase is what an attacker who copied
 * the public vault header would guess at, so each guess must be costly. The
 * parameters are stored in each slot, so vaults made with other limits still
 * open and the limits can be raised later. Tests may pass cheaper limits.
 */
export const PASSPHRASE_ARGON2: Readonly<Argon2Params> = Object.freeze({
	alg: 'argon2id13',
	opslimit: 3,
	memlimit: 256 * 1024 * 1024
});

/**
 * The passphrase KEK: Argon2id (crypto_pwhash, ALG_ARGON2ID13) over the
 * NFKC-normalised passphrase, so the same words typed on another keyboard or
 * OS give the same key.
 */
export async function kekFromPassphrase(
	passphrase: string,
	salt: Uint8Array,
	params: Argon2Params = PASSPHRASE_ARGON2
): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkString('passphrase', passphrase, { nonEmpty: true });
	checkBytes('salt', salt, KEK_SALT_BYTES);
	if (params?.alg !== 'argon2id13') throw new InvalidInputError(`params.alg: expected "argon2id13", got ${String(params?.alg)}`);
	checkInteger('params.opslimit', params.opslimit, sodium.crypto_pwhash_OPSLIMIT_MIN);
	checkInteger('params.memlimit', params.memlimit, sodium.crypto_pwhash_MEMLIMIT_MIN);
	const password = stringToBytes(passphrase.normalize('NFKC'));
	try {
		return sodium.crypto_pwhash(32, password, salt, params.opslimit, params.memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
	} finally {
		sodium.memzero(password);
	}
}

// Recovery codes: 128 random bits as 26 Crockford base32 characters, then two
// check characters, shown as seven groups of four: "XXXX-XXXX-...-XXXX".
// Check 1 is a Damm-style check over GF(32) (x <- 2x + v, so the whole code
// folds to zero): it catches every single substitution and every swap of two
// adjacent characters, check characters included. Check 2, a position-weighted
// sum mod 31, lowers the odds that a random burst of typos slips through.
// Crockford's alphabet has no I, L, O or U, and reading I/L as 1 and O as 0
// forgives the usual misreadings.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_ENTROPY_BYTES = 16;
const DATA_CHARS = 26;
const CODE_CHARS = DATA_CHARS + 2;

/** A new recovery code, e.g. "7N2Q-K4RZ-....". Show it once; store it nowhere. */
export function makeRecoveryCode(random?: RandomSource): string {
	const entropy = takeRandom(random, RECOVERY_ENTROPY_BYTES);
	const values = toBase32Values(entropy);
	const check1 = gfDouble(damm32(values));
	const check2 = weighted31([...values, check1]);
	const chars = [...values, check1, check2].map((v) => ALPHABET[v]).join('');
	return chars.match(/.{4}/g)!.join('-');
}

/**
 * The 16 bytes of entropy in a recovery code. Case, spaces and dashes do not
 * matter. Throws RecoveryCodeInvalidError for a wrong length, a character
 * outside the alphabet or a failed check.
 */
export function parseRecoveryCode(code: string): Uint8Array {
	checkString('code', code);
	const cleaned = code.toUpperCase().replace(/[\s\-_.]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
	if (cleaned.length !== CODE_CHARS)
		throw new RecoveryCodeInvalidError({ details: `expected ${CODE_CHARS} characters, got ${cleaned.length}` });
	const values = [...cleaned].map((c) => ALPHABET.indexOf(c));
	const bad = values.indexOf(-1);
	if (bad >= 0) throw new RecoveryCodeInvalidError({ details: `"${cleaned[bad]}" is not used in recovery codes` });
	const data = values.slice(0, DATA_CHARS);
	if (damm32(values.slice(0, DATA_CHARS + 1)) !== 0 || values[DATA_CHARS + 1] !== weighted31(values.slice(0, DATA_CHARS + 1)))
		throw new RecoveryCodeInvalidError({ details: 'check characters do not match' });
	// 26 characters carry 130 bits; the last two must be zero.
	if ((data[DATA_CHARS - 1] & 3) !== 0) throw new RecoveryCodeInvalidError({ details: 'padding bits are not zero' });
	return fromBase32Values(data);
}

/** Whether `code` is a well-formed recovery code (for live feedback while typing). */
export function isRecoveryCodeValid(code: string): boolean {
	try {
		parseRecoveryCode(code);
		return true;
	} catch {
		return false;
	}
}

/** The recovery KEK: HKDF-SHA256 over the code's 128 bits (enough entropy that no slow hash is needed). */
export async function kekFromRecoveryCode(code: string, salt: Uint8Array): Promise<Uint8Array> {
	checkBytes('salt', salt, KEK_SALT_BYTES);
	const entropy = parseRecoveryCode(code);
	try {
		return await hkdfSha256(entropy, salt, RECOVERY_KEK_INFO, 32);
	} finally {
		entropy.fill(0);
	}
}

function toBase32Values(bytes: Uint8Array): number[] {
	const out: number[] = [];
	let acc = 0;
	let bits = 0;
	for (const b of bytes) {
		acc = (acc << 8) | b;
		bits += 8;
		while (bits >= 5) {
			out.push((acc >> (bits - 5)) & 31);
			bits -= 5;
		}
		acc &= (1 << bits) - 1;
	}
	if (bits > 0) out.push((acc << (5 - bits)) & 31);
	return out;
}

function fromBase32Values(values: number[]): Uint8Array {
	const out = new Uint8Array(RECOVERY_ENTROPY_BYTES);
	let acc = 0;
	let bits = 0;
	let o = 0;
	for (const v of values) {
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8 && o < out.length) {
			out[o++] = (acc >> (bits - 8)) & 255;
			bits -= 8;
		}
		acc &= (1 << bits) - 1;
	}
	return out;
}

// Multiplication by 2 in GF(2^5) with the polynomial x^5 + x^2 + 1: a
// bijection, and 2 is neither 0 nor 1, which is what makes the fold below
// detect adjacent swaps ((2+1)(a+b) != 0 when a != b).
function gfDouble(x: number): number {
	return ((x << 1) ^ (x & 16 ? 0x25 : 0)) & 31;
}

function damm32(values: number[]): number {
	return values.reduce((x, v) => gfDouble(x) ^ v, 0);
}

function weighted31(values: number[]): number {
	return values.reduce((sum, v, i) => (sum + (i + 1) * v) % 31, 0);
}
