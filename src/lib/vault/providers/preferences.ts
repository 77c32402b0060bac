/**
 * The patient's trust settings: attesters added or removed, providers pinned
 * personally, senders blocked. They say who the patient deals with, so they
 * are stored on this device encrypted under a key derived from the vault's
 * index key (its own label), bound to the vault's address: never in clear.
 */
import { isAddress as isAddr } from '../../types';
import { decryptBlob, encryptBlob } from '../../crypto/seal';
import { utf8 } from '../../crypto/encoding';
import { getSodium } from '../../crypto/sodium';
import { DecryptionFailedError } from '../../crypto/errors';
import { stripUnsafeChars } from '../../records/text';
import type { OpenVault } from '../deps';
import type { Hex, LocalStore } from '../ports';
import { TrustInputError, TrustPreferencesUnreadableError } from './errors';

export interface TrustPreferences {
	v: 1;
	/** Attesters the patient trusts beyond the site's list. */
	addedAttesters: Hex[];
	/** Site attesters the patient does not trust. */
	removedAttesters: Hex[];
	/** Providers the patient vouches for personally, with the name they know them by. */
	pinned: { address: Hex; name: string }[];
	/** Senders whose proposals and access requests are neither fetched nor shown. */
	blocked: { address: Hex; name?: string }[];
}

export const EMPTY_TRUST_PREFERENCES: TrustPreferences = Object.freeze({ v: 1, addedAttesters: [], removedAttesters: [], pinned: [], blocked: [] }) as TrustPreferences;

export const trustPreferencesKey = (address: Hex) => `trust-preferences:${address.toLowerCase()}`;
const KEY_LABEL = 'carevault/v1/trust-preferences';
const adOf = (address: Hex) => utf8(`${KEY_LABEL}:${address.toLowerCase()}`);

type VaultKeyed = Pick<OpenVault, 'address' | 'keys'>;

// Keyed BLAKE2b of a fixed label under the index key: a key of its own, so these settings never share a key with the index.
async function preferencesKeyOf(vault: VaultKeyed): Promise<Uint8Array> {
	const sodium = await getSodium();
	return sodium.crypto_generichash(32, utf8(KEY_LABEL), vault.keys.index);
}


/** Checks an address the patient typed; TrustInputError otherwise. */
export function checkAddress(value: string, what = 'address'): Hex {
	const v = typeof value === 'string' ? value.trim() : '';
	if (!isAddr(v)) throw new TrustInputError(`That ${what} is not an account address (0x followed by 40 hexadecimal characters).`);
	return v;
}

function parse(raw: unknown): TrustPreferences {
	const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
	const addrs = (v: unknown) => (Array.isArray(v) ? v.filter(isAddr) : []);
	const named = (v: unknown) =>
		(Array.isArray(v) ? v : []).filter((x): x is { address: Hex; name?: unknown } => !!x && typeof x === 'object' && isAddr((x as { address?: unknown }).address));
	return {
		v: 1,
		addedAttesters: addrs(o.addedAttesters),
		removedAttesters: addrs(o.removedAttesters),
		pinned: named(o.pinned).map((x) => ({ address: x.address, name: typeof x.name === 'string' ? x.name : '' })),
		blocked: named(o.blocked).map((x) => ({ address: x.address, ...(typeof x.name === 'string' ? { name: x.name } : {}) }))
	};
}

/** The vault's trust settings on this device; empty when none were saved. TrustPreferencesUnreadableError if they do not open. */
export async function loadTrustPreferences(local: LocalStore, vault: VaultKeyed): Promise<TrustPreferences> {
	const blob = await local.get(trustPreferencesKey(vault.address));
	if (!blob) return { ...EMPTY_TRUST_PREFERENCES };
	const key = await preferencesKeyOf(vault);
	try {
		return parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await decryptBlob(key, blob, adOf(vault.address)))));
	} catch (cause) {
		if (cause instanceof DecryptionFailedError || cause instanceof SyntaxError || cause instanceof TypeError) throw new TrustPreferencesUnreadableError({ cause });
		throw cause;
	} finally {
		(await getSodium()).memzero(key);
	}
}

/** Encrypts and stores the settings on this device. */
export async function saveTrustPreferences(local: LocalStore, vault: VaultKeyed, prefs: TrustPreferences): Promise<void> {
	const key = await preferencesKeyOf(vault);
	try {
		await local.put(trustPreferencesKey(vault.address), await encryptBlob(key, utf8(JSON.stringify(parse(prefs))), adOf(vault.address)));
	} finally {
		(await getSodium()).memzero(key);
	}
}

const without = <T extends { address: Hex } | Hex>(list: T[], address: Hex): T[] =>
	list.filter((x) => (typeof x === 'string' ? x : x.address).toLowerCase() !== address.toLowerCase());

/** Trusts `attester` (undoing a removal). */
export function addAttester(prefs: TrustPreferences, attester: string): TrustPreferences {
	const a = checkAddress(attester, 'attester address');
	return { ...prefs, addedAttesters: [...without(prefs.addedAttesters, a), a], removedAttesters: without(prefs.removedAttesters, a) };
}

/** Stops trusting `attester`, whether the site or the patient listed it. */
export function removeAttester(prefs: TrustPreferences, attester: string): TrustPreferences {
	const a = checkAddress(attester, 'attester address');
	return { ...prefs, addedAttesters: without(prefs.addedAttesters, a), removedAttesters: [...without(prefs.removedAttesters, a), a] };
}

/** Vouches for `provider` personally, under the name the patient knows it by. */
export function pinProvider(prefs: TrustPreferences, provider: string, name: string): TrustPreferences {
	const a = checkAddress(provider, 'provider address');
	const clean = stripUnsafeChars(name);
	if (clean === '') throw new TrustInputError('Give the name you know this provider by.');
	if ([...clean].length > 80) throw new TrustInputError('That name is too long (at most 80 characters).');
	return { ...prefs, pinned: [...without(prefs.pinned, a), { address: a, name: clean }] };
}

export function unpinProvider(prefs: TrustPreferences, provider: string): TrustPreferences {
	return { ...prefs, pinned: without(prefs.pinned, checkAddress(provider, 'provider address')) };
}

/** Blocks `sender`; `name` only helps the patient recognise it later. */
export function blockSender(prefs: TrustPreferences, sender: string, name?: string): TrustPreferences {
	const a = checkAddress(sender, 'sender address');
	const clean = name ? stripUnsafeChars(name).slice(0, 80) : '';
	return { ...prefs, blocked: [...without(prefs.blocked, a), { address: a, ...(clean ? { name: clean } : {}) }] };
}

export function unblockSender(prefs: TrustPreferences, sender: string): TrustPreferences {
	return { ...prefs, blocked: without(prefs.blocked, checkAddress(sender, 'sender address')) };
}
