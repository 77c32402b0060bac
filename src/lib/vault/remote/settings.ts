import { decryptBlob, encryptBlob } from '../../crypto/seal';
import type { VaultKeys } from '../../crypto/keys';
import type { BlobStore, Hex, LocalStore } from '../ports';
import type { VaultIndex } from '../../records/model';
import { randomId } from '../random';
import { RemoteCopyInputError, RemoteCopySettingsCorruptError } from './errors';
import type { RemoteCopy } from './ports';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

// Bound to its kind and owner, so another sealed value of this vault (an index block) cannot stand in for it.
const settingsAd = (address: Hex) => utf8.encode(`carevault/v2/remote-copies/${address.toLowerCase()}`);
export const remoteCopiesKey = (address: Hex) => `remote-copies:${address.toLowerCase()}`;

type SettingsDeps = { local: LocalStore; signer: { address: Hex }; blobs: Pick<BlobStore, 'addBytes' | 'pin' | 'getBytes'> };

/**
 * The patient's remote copies, tokens included, sealed with the vault's
 * index key: the device store never holds a token in clear, and a locked
 * vault reveals neither the services nor the tokens.
 */
export async function sealRemoteCopies(keys: VaultKeys, address: Hex, remotes: readonly RemoteCopy[]): Promise<Uint8Array> {
	return encryptBlob(keys.index, utf8.encode(JSON.stringify({ v: 1, remotes })), settingsAd(address));
}

/** Inverse of sealRemoteCopies; RemoteCopySettingsCorruptError when it does not open or is not a list of remote copies. */
export async function openRemoteCopies(keys: VaultKeys, address: Hex, sealed: Uint8Array): Promise<RemoteCopy[]> {
	try {
		const value = JSON.parse(fromUtf8.decode(await decryptBlob(keys.index, sealed, settingsAd(address)))) as { v?: unknown; remotes?: unknown };
		if (value?.v !== 1 || !Array.isArray(value.remotes)) throw new Error('not a list of remote copies');
		return value.remotes.map((r: unknown) => {
			const o = r as Partial<RemoteCopy>;
			if (typeof o?.id !== 'string' || o.kind !== 'pinning-service' || typeof o.name !== 'string' || typeof o.endpoint !== 'string' || typeof o.token !== 'string')
				throw new Error('bad remote copy entry');
			return { id: o.id, kind: o.kind, name: o.name, endpoint: o.endpoint, token: o.token };
		});
	} catch (cause) {
		throw new RemoteCopySettingsCorruptError({ cause });
	}
}

/**
 * The vault's remote copies: this device's sealed list, or else the one the
 * index names (saved on another device and committed with a batch there).
 * None yet: an empty list.
 */
export async function loadRemoteCopies(deps: SettingsDeps, keys: VaultKeys, index: Pick<VaultIndex, 'remotes'>): Promise<RemoteCopy[]> {
	let sealed = await deps.local.get(remoteCopiesKey(deps.signer.address));
	if (!sealed && index.remotes) {
		sealed = await deps.blobs.getBytes(index.remotes);
		await deps.local.put(remoteCopiesKey(deps.signer.address), sealed);
	}
	return sealed ? openRemoteCopies(keys, deps.signer.address, sealed) : [];
}

/**
 * Seals the list, keeps it on this device and stores it on IPFS; returns its
 * CID, which the caller puts in the index (VaultIndex.remotes) so the next
 * commit carries it to the patient's other devices.
 */
export async function saveRemoteCopies(deps: SettingsDeps, keys: VaultKeys, remotes: readonly RemoteCopy[]): Promise<string> {
	const sealed = await sealRemoteCopies(keys, deps.signer.address, remotes);
	await deps.local.put(remoteCopiesKey(deps.signer.address), sealed);
	const cid = await deps.blobs.addBytes(sealed);
	await deps.blobs.pin(cid);
	return cid;
}

/**
 * Checks what the patient typed for a new Pinning Service API copy; throws
 * RemoteCopyInputError naming the field. The endpoint must be https, except
 * on this machine (the local peer in development).
 */
export function newRemoteCopy(input: { name?: string; endpoint: string; token: string }): RemoteCopy {
	const endpoint = input.endpoint.trim().replace(/\/+$/, '');
	if (!URL.canParse(endpoint)) throw new RemoteCopyInputError('The endpoint must be a full URL, e.g. https://api.pinata.cloud/psa');
	const url = new URL(endpoint);
	const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
	if (url.protocol !== 'https:' && !(local && url.protocol === 'http:'))
		throw new RemoteCopyInputError('The endpoint must start with https:// (your access token would otherwise travel unencrypted).');
	const token = input.token.trim();
	if (token === '') throw new RemoteCopyInputError('Paste the access token (API key) the pinning service gave you.');
	if (/\s/.test(token)) throw new RemoteCopyInputError('The access token cannot contain spaces or line breaks: copy it again.');
	const name = input.name?.trim() || url.host;
	return { id: randomId(), kind: 'pinning-service', name, endpoint, token };
}
