import { getAddress, keccak256, stringToBytes } from 'viem/utils';
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

export interface UnlockMessageParameters {
	/** The site's host (RFC 3986 authority, e.g. "carevault.example" or "localhost:5173"). */
	domain: string;
	address: string;
	chainId: number;
	/** Defaults to https://<domain>. */
	uri?: string;
}

/**
 * The fixed Sign-In-with-Ethereum (EIP-4361) style message whose signature
 * unlocks a vault. It binds the site's domain (a phishing site must ask for a
 * message naming itself), the address and the chain. It has no Issued At and
 * its nonce is derived from the address, because the same wallet must get the
 * same message, hence the same signature and key, every time.
 *
 * @example
 * unlockMessage({ domain: 'carevault.example', address: '0xf39F...2266', chainId: 1 })
 */
export function unlockMessage(params: UnlockMessageParameters): string {
	const domain = checkString('domain', params?.domain, { nonEmpty: true });
	if (!/^[A-Za-z0-9.\-_~[\]:%]+$/.test(domain))
		throw new InvalidInputError(`domain: expected a host such as "carevault.example" or "localhost:5173", got ${JSON.stringify(domain)}`);
	const address = checksumAddress(params.address);
	const chainId = checkInteger('chainId', params.chainId, 1);
	const uri = params.uri === undefined ? `https://${domain}` : checkString('uri', params.uri, { nonEmpty: true });
	if (/\s/.test(uri)) throw new InvalidInputError(`uri: expected no whitespace, got ${JSON.stringify(uri)}`);
	return [
		`${domain} wants you to sign in with your Ethereum account:`,
		address,
		'',
		`Unlock my Carevault. Only sign this on ${domain}.`,
		'',
		`URI: ${uri}`,
		'Version: 1',
		`Chain ID: ${chainId}`,
		`Nonce: ${unlockNonce(address)}`
	].join('\n');
}

/** 16 hex characters derived from the address: fixed per wallet, alphanumeric as EIP-4361 requires. */
export function unlockNonce(address: string): string {
	return keccak256(stringToBytes(`carevault/v1/unlock-nonce/${checksumAddress(address).toLowerCase()}`)).slice(2, 18);
}

function checksumAddress(address: unknown): string {
	checkString('address', address, { nonEmpty: true });
	try {
		return getAddress(address as string);
	} catch (cause) {
		throw new InvalidInputError(`address: expected a 20-byte hex Ethereum address, got ${JSON.stringify(address)}`, { cause });
	}
}

/**
 * The wallet KEK from two signatures of the unlock message, taken at set-up.
 * Wallets that sign non-deterministically (some hardware and smart-contract
 * wallets) would lock the person out on the next unlock, so they are refused.
 */
export async function kekFromSignatures(sig1: Uint8Array, sig2: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkMinBytes('sig1', sig1, 64);
	checkMinBytes('sig2', sig2, 64);
	if (sig1.length !== sig2.length || !sodium.memcmp(sig1, sig2)) throw new NonDeterministicSignerError();
	return kekFromSignature(sig1, salt);
}

/** HKDF-SHA256(ikm = signature, salt, info = "carevault/v1/wallet-kek"), 32 bytes. */
export async function kekFromSignature(signature: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
	checkMinBytes('signature', signature, 64);
	checkBytes('salt', salt, KEK_SALT_BYTES);
	return hkdfSha256(signature, salt, WALLET_KEK_INFO, 32);
}

/** Argon2id parameters recorded with each passphrase slot. */
export interface Argon2Params {
	alg: 'argon2id13';
	opslimit: number;
	memlimit: number;
}

/**
 * libsodium's INTERACTIVE limits (2 passes, 64 MiB). MODERATE (256 MiB) takes
 * several seconds in WASM and can fail to allocate in mobile browsers; the
 * passphrase is a fallback next to the wallet, the parameters are stored in
 * each slot so they can be raised later without breaking old vaults, and the
 * test suite stays fast.
 */
export const PASSPHRASE_ARGON2: Readonly<Argon2Params> = Object.freeze({
	alg: 'argon2id13',
	opslimit: 2,
	memlimit: 64 * 1024 * 1024
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
	return sodium.crypto_pwhash(
		32,
		stringToBytes(passphrase.normalize('NFKC')),
		salt,
		params.opslimit,
		params.memlimit,
		sodium.crypto_pwhash_ALG_ARGON2ID13
	);
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
