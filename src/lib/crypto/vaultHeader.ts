import { getAddress } from 'viem/utils';
import { canonicalJson, fromBase64, toBase64, utf8 } from './encoding';
import { InvalidInputError, VaultHeaderCorruptError, VaultHeaderOutdatedError, WrongKeyError } from './errors';
import { checkBytes, checkInteger, checkString, takeRandom, type RandomSource } from './input';
import { getSodium } from './sodium';
import { KEK_SALT_BYTES, PASSPHRASE_ARGON2, unlockMessage, type Argon2Params, type UnlockMessageParameters } from './unlock';
import type { Hex } from '../types';

/**
 * The vault header: the root secret wrapped once per unlock method, like LUKS
 * keyslots. Each slot is XChaCha20-Poly1305 (random 24-byte nonce) of the
 * 32-byte root secret under that method's KEK, with the slot's public fields
 * (format, owner, kind, salt, the wallet's unlock message fields or Argon2
 * parameters) as associated data: changing any of them makes the slot fail to
 * open, exactly like a wrong key. Nothing in the header is secret.
 *
 * A wallet slot keeps every field of its EIP-4361 unlock message (`message`:
 * domain, uri, address, chain, nonce, Issued At), so any device rebuilds
 * exactly the message that was signed when the vault was made. This is format
 * 2; format 1 (whose message had no Issued At and named the page's host) is
 * refused with VaultHeaderOutdatedError.
 *
 * KEKs given to createVaultHeader, addSlot and openVaultHeader are consumed:
 * they are zeroed before those functions return.
 *
 * In memory byte fields are Uint8Array; encodeVaultHeader writes canonical
 * JSON with base64 fields, decodeVaultHeader validates it strictly.
 */

export const ROOT_SECRET_BYTES = 32;
const NONCE_BYTES = 24;
const WRAPPED_BYTES = ROOT_SECRET_BYTES + 16;
const FORMAT = 'carevault/vault-header';
const VERSION = 2;

interface SealedSlot {
	salt: Uint8Array;
	nonce: Uint8Array;
	ciphertext: Uint8Array;
}

/** The fields of a wallet slot's unlock message (lib/crypto/unlock's unlockMessage), address checksummed. */
export type WalletMessage = UnlockMessageParameters & { address: Hex };

export type WalletSlot = { kind: 'wallet'; message: WalletMessage } & SealedSlot;
export type PassphraseSlot = { kind: 'passphrase'; argon2: Argon2Params } & SealedSlot;
export type RecoverySlot = { kind: 'recovery' } & SealedSlot;
export type VaultSlot = WalletSlot | PassphraseSlot | RecoverySlot;
export type VaultSlotKind = VaultSlot['kind'];

export interface VaultHeader {
	v: typeof VERSION;
	/** Checksummed address of the vault's owner. */
	owner: Hex;
	slots: VaultSlot[];
}

/** A slot to add: its KEK (from lib/crypto/unlock) plus the public parameters the KEK was made with. */
export type VaultSlotInput =
	| { kind: 'wallet'; message: UnlockMessageParameters; kek: Uint8Array; salt: Uint8Array }
	| { kind: 'passphrase'; kek: Uint8Array; salt: Uint8Array; argon2?: Argon2Params }
	| { kind: 'recovery'; kek: Uint8Array; salt: Uint8Array };

export interface CreateVaultHeaderParameters {
	rootSecret: Uint8Array;
	/** Defaults to the address of the first wallet slot. */
	owner?: string;
	slots: VaultSlotInput[];
	random?: RandomSource;
}

/** 32 random bytes: the vault's root secret, from which every other key is derived. */
export function generateRootSecret(random?: RandomSource): Uint8Array {
	return takeRandom(random, ROOT_SECRET_BYTES);
}

/** Wraps `rootSecret` once per slot; zeroes every slot's KEK. */
export async function createVaultHeader(params: CreateVaultHeaderParameters): Promise<VaultHeader> {
	checkBytes('rootSecret', params?.rootSecret, ROOT_SECRET_BYTES);
	if (!Array.isArray(params.slots) || params.slots.length === 0)
		throw new InvalidInputError('slots: expected at least one slot');
	try {
		return await wrapAll(params);
	} finally {
		for (const slot of params.slots) if (slot?.kek instanceof Uint8Array) slot.kek.fill(0);
	}
}

async function wrapAll(params: CreateVaultHeaderParameters): Promise<VaultHeader> {
	const firstWallet = params.slots.find((s) => s.kind === 'wallet');
	const ownerInput = params.owner ?? firstWallet?.message?.address;
	if (ownerInput === undefined) throw new InvalidInputError('owner: expected an address (no wallet slot to take it from)');
	let header: VaultHeader = { v: VERSION, owner: checksum('owner', ownerInput), slots: [] };
	for (const slot of params.slots) header = await addSlot(header, params.rootSecret, slot, { random: params.random });
	return header;
}

/**
 * A copy of `header` with one more slot wrapping `rootSecret`. The caller must
 * pass the root secret this header already wraps (open it first). Zeroes slot.kek.
 */
export async function addSlot(
	header: VaultHeader,
	rootSecret: Uint8Array,
	slot: VaultSlotInput,
	options: { random?: RandomSource } = {}
): Promise<VaultHeader> {
	try {
		return await wrapSlot(header, rootSecret, slot, options);
	} finally {
		if (slot?.kek instanceof Uint8Array) slot.kek.fill(0);
	}
}

async function wrapSlot(header: VaultHeader, rootSecret: Uint8Array, slot: VaultSlotInput, options: { random?: RandomSource }): Promise<VaultHeader> {
	const sodium = await getSodium();
	checkBytes('rootSecret', rootSecret, ROOT_SECRET_BYTES);
	checkBytes('slot.kek', slot?.kek, 32);
	const salt = checkBytes('slot.salt', slot.salt, KEK_SALT_BYTES).slice();
	const nonce = takeRandom(options.random, NONCE_BYTES);
	let publicPart: Omit<WalletSlot, keyof SealedSlot> | Omit<PassphraseSlot, keyof SealedSlot> | Omit<RecoverySlot, keyof SealedSlot>;
	if (slot.kind === 'wallet') {
		const m = slot.message;
		if (typeof m !== 'object' || m === null) throw new InvalidInputError('slot.message: expected the unlock message fields');
		const message: WalletMessage = {
			domain: checkString('slot.message.domain', m.domain, { nonEmpty: true }),
			uri: checkString('slot.message.uri', m.uri, { nonEmpty: true }),
			address: checksum('slot.message.address', m.address),
			chainId: checkInteger('slot.message.chainId', m.chainId, 1),
			nonce: checkString('slot.message.nonce', m.nonce, { nonEmpty: true }),
			issuedAt: checkString('slot.message.issuedAt', m.issuedAt, { nonEmpty: true })
		};
		// A slot whose message cannot be built could never be unlocked: refuse it now.
		unlockMessage(message);
		publicPart = { kind: 'wallet', message };
	} else if (slot.kind === 'passphrase') {
		publicPart = { kind: 'passphrase', argon2: checkArgon2(slot.argon2 ?? PASSPHRASE_ARGON2, (m) => new InvalidInputError(m)) };
	} else if (slot.kind === 'recovery') {
		publicPart = { kind: 'recovery' };
	} else {
		throw new InvalidInputError(`slot.kind: expected "wallet", "passphrase" or "recovery", got ${String((slot as { kind?: unknown }).kind)}`);
	}
	const partial = { ...publicPart, salt } as VaultSlot;
	const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(rootSecret, slotAd(header.owner, partial), null, nonce, slot.kek);
	return { ...header, slots: [...header.slots, { ...partial, nonce, ciphertext } as VaultSlot] };
}

/**
 * The root secret, unwrapped with `kek`. `slot` is either one slot of the
 * header or a kind, in which case every slot of that kind is tried. Throws
 * WrongKeyError if none opens (wrong key, or a slot's public fields altered).
 * Zeroes `kek`.
 */
export async function openVaultHeader(header: VaultHeader, slot: VaultSlotKind | VaultSlot, kek: Uint8Array): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('kek', kek, 32);
	try {
		return tryOpen(sodium, header, slot, kek);
	} finally {
		sodium.memzero(kek);
	}
}

function tryOpen(sodium: Awaited<ReturnType<typeof getSodium>>, header: VaultHeader, slot: VaultSlotKind | VaultSlot, kek: Uint8Array): Uint8Array {
	const candidates = typeof slot === 'string' ? header.slots.filter((s) => s.kind === slot) : [slot];
	for (const s of candidates) {
		try {
			const root = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, s.ciphertext, slotAd(header.owner, s), s.nonce, kek);
			if (root.length === ROOT_SECRET_BYTES) return root;
		} catch {
			// try the next slot
		}
	}
	throw new WrongKeyError();
}

/** Canonical JSON bytes, for IPFS and local storage. */
export function encodeVaultHeader(header: VaultHeader): Uint8Array {
	return utf8(canonicalJson(toJson(header)));
}

/** Strict inverse of encodeVaultHeader. Throws VaultHeaderCorruptError for anything it would not have written. */
export function decodeVaultHeader(bytes: Uint8Array): VaultHeader {
	checkBytes('bytes', bytes);
	let value: unknown;
	try {
		value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
	} catch (cause) {
		throw new VaultHeaderCorruptError({ cause, details: 'not UTF-8 JSON' });
	}
	const corrupt = (details: string) => new VaultHeaderCorruptError({ details });
	const obj = expectObject(value, '$', ['format', 'v', 'owner', 'slots'], corrupt);
	if (obj.format !== FORMAT) throw corrupt(`format: expected "${FORMAT}"`);
	if (obj.v === 1) throw new VaultHeaderOutdatedError(obj.v);
	if (obj.v !== VERSION) throw corrupt(`v: unsupported version ${JSON.stringify(obj.v)}`);
	const owner = checksumOr(obj.owner, 'owner', corrupt);
	if (!Array.isArray(obj.slots) || obj.slots.length === 0) throw corrupt('slots: expected a non-empty array');
	const slots = obj.slots.map((raw, i): VaultSlot => {
		const path = `slots[${i}]`;
		const kind = (raw as { kind?: unknown } | null)?.kind;
		const sealedKeys = ['kind', 'salt', 'nonce', 'ciphertext'];
		const keys =
			kind === 'wallet'
				? [...sealedKeys, 'message']
				: kind === 'passphrase'
					? [...sealedKeys, 'argon2']
					: kind === 'recovery'
						? sealedKeys
						: null;
		if (!keys) throw corrupt(`${path}.kind: unknown ${JSON.stringify(kind)}`);
		const s = expectObject(raw, path, keys, corrupt);
		const sealed: SealedSlot = {
			salt: base64Field(s.salt, `${path}.salt`, KEK_SALT_BYTES, corrupt),
			nonce: base64Field(s.nonce, `${path}.nonce`, NONCE_BYTES, corrupt),
			ciphertext: base64Field(s.ciphertext, `${path}.ciphertext`, WRAPPED_BYTES, corrupt)
		};
		if (kind === 'wallet') {
			const mp = `${path}.message`;
			const m = expectObject(s.message, mp, ['domain', 'uri', 'address', 'chainId', 'nonce', 'issuedAt'], corrupt);
			if (typeof m.chainId !== 'number' || !Number.isSafeInteger(m.chainId) || m.chainId < 1)
				throw corrupt(`${mp}.chainId: expected a positive integer`);
			for (const k of ['domain', 'uri', 'nonce', 'issuedAt'] as const)
				if (typeof m[k] !== 'string' || m[k].length === 0) throw corrupt(`${mp}.${k}: expected a string`);
			const message: WalletMessage = {
				domain: m.domain as string,
				uri: m.uri as string,
				address: checksumOr(m.address, `${mp}.address`, corrupt),
				chainId: m.chainId,
				nonce: m.nonce as string,
				issuedAt: m.issuedAt as string
			};
			try {
				unlockMessage(message);
			} catch (cause) {
				throw new VaultHeaderCorruptError({ cause, details: `${mp}: not a valid unlock message` });
			}
			return { kind, message, ...sealed };
		}
		if (kind === 'passphrase') return { kind, argon2: checkArgon2(s.argon2, (m) => corrupt(`${path}.${m}`)), ...sealed };
		return { kind: 'recovery', ...sealed };
	});
	return { v: VERSION, owner, slots };
}

function toJson(header: VaultHeader) {
	return {
		format: FORMAT,
		v: header.v,
		owner: header.owner,
		slots: header.slots.map((s) => ({
			...s,
			salt: toBase64(s.salt),
			nonce: toBase64(s.nonce),
			ciphertext: toBase64(s.ciphertext)
		}))
	};
}

// Associated data of a slot: everything public about it except its own nonce
// and ciphertext. Addresses are compared case-insensitively, so lower-cased.
function slotAd(owner: string, slot: VaultSlot): Uint8Array {
	const common = { format: FORMAT, v: VERSION, owner: owner.toLowerCase(), kind: slot.kind, salt: toBase64(slot.salt) };
	const extra =
		slot.kind === 'wallet'
			? { message: { ...slot.message, address: slot.message.address.toLowerCase() } }
			: slot.kind === 'passphrase'
				? { argon2: { alg: slot.argon2.alg, opslimit: slot.argon2.opslimit, memlimit: slot.argon2.memlimit } }
				: {};
	return utf8(canonicalJson({ ...common, ...extra }));
}

function checksum(name: string, address: unknown): Hex {
	return checksumOr(address, name, (m) => new InvalidInputError(m));
}

function checksumOr(address: unknown, name: string, fail: (m: string) => Error): Hex {
	if (typeof address !== 'string') throw fail(`${name}: expected an address string`);
	try {
		return getAddress(address);
	} catch {
		throw fail(`${name}: expected a 20-byte hex Ethereum address, got ${JSON.stringify(address)}`);
	}
}

function checkArgon2(value: unknown, fail: (m: string) => Error): Argon2Params {
	const allowed = ['alg', 'opslimit', 'memlimit'];
	if (typeof value !== 'object' || value === null || Object.keys(value).some((k) => !allowed.includes(k)))
		throw fail('argon2: expected { alg, opslimit, memlimit }');
	const { alg, opslimit, memlimit } = value as Record<string, unknown>;
	if (alg !== 'argon2id13') throw fail('argon2.alg: expected "argon2id13"');
	// Bounds keep a hostile header from demanding absurd work or memory.
	if (typeof opslimit !== 'number' || !Number.isSafeInteger(opslimit) || opslimit < 1 || opslimit > 64)
		throw fail('argon2.opslimit: expected an integer in 1..64');
	if (typeof memlimit !== 'number' || !Number.isSafeInteger(memlimit) || memlimit < 8192 || memlimit > 1024 ** 3)
		throw fail('argon2.memlimit: expected an integer in 8192..1 GiB');
	return { alg, opslimit, memlimit };
}

function expectObject(
	value: unknown,
	path: string,
	keys: string[],
	fail: (m: string) => Error
): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${path}: expected an object`);
	const obj = value as Record<string, unknown>;
	for (const k of Object.keys(obj)) if (!keys.includes(k)) throw fail(`${path}.${k}: unexpected field`);
	for (const k of keys) if (!(k in obj)) throw fail(`${path}.${k}: missing`);
	return obj;
}

function base64Field(value: unknown, path: string, length: number, fail: (m: string) => Error): Uint8Array {
	if (typeof value !== 'string') throw fail(`${path}: expected base64`);
	let bytes: Uint8Array;
	try {
		bytes = fromBase64(value);
	} catch {
		throw fail(`${path}: invalid base64`);
	}
	if (bytes.length !== length) throw fail(`${path}: expected ${length} bytes, got ${bytes.length}`);
	return bytes;
}
