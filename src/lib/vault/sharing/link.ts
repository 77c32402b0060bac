/**
 * Share links: the grant goes to a key pair of its own (derived from the vault
 * and a random salt, see VaultKeys.linkSecrets) whose secrets travel
 * only in the URL fragment (after `#`), which browsers never send to a server.
 *
 *   <site>#/link/<base64url(JSON{ g, c, k, x, u, e, p })>
 *   g grant id (decimal), c bundle CID, k bundle key (base64), x throwaway X25519 secret,
 *   u throwaway Umbral secret, e expiry (unix s, 0 = never), p patient address
 */
import { isAddress } from '../../types';
import { bytesToHex, concatBytes, fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { blake2b } from '../../crypto/hash';
import type { VaultKeys } from '../../crypto/keys';
import { getSodium, getUmbral } from '../../crypto/sodium';
import type { Hex } from '../ports';
import { LinkInvalidError } from './errors';

export const LINK_ROUTE = '#/link/';

export interface LinkPayload {
	grantId: bigint;
	bundleCid: string;
	/** base64 */
	bundleKey: string;
	/** Throwaway X25519 secret key (32 bytes). */
	inboxSecret: Uint8Array;
	/** Throwaway Umbral secret key (32 bytes, big-endian). */
	umbralSecret: Uint8Array;
	expiresAt: number;
	patient: Hex;
}

export interface ThrowawayKeys {
	inbox: { publicKey: Uint8Array; privateKey: Uint8Array };
	umbralSecret: Uint8Array;
	umbralPublic: Uint8Array;
	/** The grantee address of the link: derived from both public keys, so a viewer can check the grant is really theirs. */
	address: Hex;
}

/** The grantee address a link's public keys stand for: the first 20 bytes of BLAKE2b-256(domain || x25519 pk || umbral pk). */
export async function linkAddress(inboxPublic: Uint8Array, umbralPublic: Uint8Array): Promise<Hex> {
	const digest = await blake2b(concatBytes(utf8('carevault/v1/link-grantee'), inboxPublic, umbralPublic));
	return `0x${bytesToHex(digest.subarray(0, 20))}`;
}

/**
 * The keys of the patient's share link `salt`, derived from the vault (see
 * VaultKeys.linkSecrets), so the same link can be shown again later.
 */
export async function linkKeysFor(keys: Pick<VaultKeys, 'linkSecrets'>, salt: Uint8Array): Promise<ThrowawayKeys> {
	const { inboxSecret, umbralSecret } = keys.linkSecrets(salt);
	return throwawayFromSecrets(inboxSecret, umbralSecret);
}

/** Rebuilds the throwaway keys from a link's secrets. */
export async function throwawayFromSecrets(inboxSecret: Uint8Array, umbralSecret: Uint8Array): Promise<ThrowawayKeys> {
	const sodium = await getSodium();
	const umbral = await getUmbral();
	const sk = umbral.SecretKey.fromBEBytes(umbralSecret);
	const pk = sk.publicKey();
	try {
		const inboxPublic = sodium.crypto_scalarmult_base(inboxSecret);
		const umbralPublic = pk.toCompressedBytes();
		return {
			inbox: { publicKey: inboxPublic, privateKey: inboxSecret },
			umbralSecret,
			umbralPublic,
			address: await linkAddress(inboxPublic, umbralPublic)
		};
	} finally {
		pk.free();
		sk.free();
	}
}

const toB64Url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
function fromB64Url(text: string): Uint8Array {
	const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
	return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

/** The fragment payload (the part after `#/link/`). */
export function encodeLinkPayload(p: LinkPayload): string {
	const json = JSON.stringify({
		g: p.grantId.toString(),
		c: p.bundleCid,
		k: p.bundleKey,
		x: toBase64(p.inboxSecret),
		u: toBase64(p.umbralSecret),
		e: p.expiresAt,
		p: p.patient
	});
	return toB64Url(toBase64(utf8(json)));
}

/** The full link. `siteUrl` is the app's base URL; anything after a `#` in it is dropped. */
export function shareLinkUrl(siteUrl: string, p: LinkPayload): string {
	return `${siteUrl.split('#')[0]}${LINK_ROUTE}${encodeLinkPayload(p)}`;
}

/**
 * Parses a link: a whole URL, a `#/link/…` fragment, or the bare payload.
 * LinkInvalidError when anything is missing or malformed.
 */
export function decodeLinkPayload(fragment: string): LinkPayload {
	let text = typeof fragment === 'string' ? fragment.trim() : '';
	const at = text.indexOf('#');
	if (at >= 0) text = text.slice(at + 1);
	text = text.replace(/^\/?link\//, '');
	if (text === '' || !/^[A-Za-z0-9_-]+$/.test(text)) throw new LinkInvalidError('it is incomplete.');
	let v: Record<string, unknown>;
	try {
		v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromB64Url(text))) as Record<string, unknown>;
	} catch (cause) {
		throw new LinkInvalidError('it is damaged.', { cause });
	}
	try {
		if (typeof v.g !== 'string' || !/^[0-9]{1,78}$/.test(v.g)) throw new Error('g');
		if (typeof v.c !== 'string' || v.c === '') throw new Error('c');
		if (typeof v.k !== 'string' || fromBase64(v.k).length !== 32) throw new Error('k');
		if (typeof v.x !== 'string' || typeof v.u !== 'string') throw new Error('x/u');
		const inboxSecret = fromBase64(v.x);
		const umbralSecret = fromBase64(v.u);
		if (inboxSecret.length !== 32 || umbralSecret.length !== 32) throw new Error('x/u length');
		if (!Number.isSafeInteger(v.e) || (v.e as number) < 0) throw new Error('e');
		if (!isAddress(v.p)) throw new Error('p');
		return { grantId: BigInt(v.g), bundleCid: v.c, bundleKey: v.k, inboxSecret, umbralSecret, expiresAt: v.e as number, patient: v.p as Hex };
	} catch (cause) {
		throw new LinkInvalidError('a part of it is missing or malformed.', { cause });
	}
}
