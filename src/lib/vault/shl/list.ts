/**
 * The SMART Health Links the patient made on this device, and unpinning one.
 * Nothing about a link is on-chain or in the vault index, so the list lives
 * on this device only, encrypted under a key derived from the vault's index
 * key (never in clear). It keeps what the page shows (label, end, what was
 * shared) and the unpin secret, never the link's decryption key.
 *
 * Unpinning stops this device and our IPFS peers keeping and serving the
 * file. It cannot reach copies made elsewhere (a gateway's cache, a doctor's
 * download, any IPFS node that fetched it): the link is not revoked.
 */
import { decryptBlob, encryptBlob } from '../../crypto/seal';
import { utf8 } from '../../crypto/encoding';
import { getSodium } from '../../crypto/sodium';
import { DecryptionFailedError } from '../../crypto/errors';
import type { OpenVault } from '../deps';
import type { BlobStore, LocalStore, UnpinReport } from '../ports';
import { ShlListUnreadableError, ShlUnpinError } from './errors';
import type { MadeShl } from './make';

export interface MyShl {
	cid: string;
	/** The payload's url (the gateway address of the file). */
	url: string;
	label?: string;
	/** Unix seconds. */
	exp: number;
	/** ISO 8601. */
	createdAt: string;
	resources: number;
	documents: number;
	/** base64url; unpins the file on the peers that pinned it. */
	unpinSecret: string;
	/** ISO 8601, once unpinned. */
	unpinnedAt?: string;
}

type VaultKeyed = Pick<OpenVault, 'address' | 'keys'>;
const KEY_LABEL = 'carevault/v1/shl-list';
export const shlListKey = (address: string) => `shl-list:${address.toLowerCase()}`;
const adOf = (address: string) => utf8(`${KEY_LABEL}:${address.toLowerCase()}`);

// Keyed BLAKE2b of a fixed label under the index key: a key of its own for this list.
async function listKeyOf(vault: VaultKeyed): Promise<Uint8Array> {
	return (await getSodium()).crypto_generichash(32, utf8(KEY_LABEL), vault.keys.index);
}

function parse(raw: unknown): MyShl[] {
	if (!Array.isArray(raw)) throw new TypeError('not a list');
	return raw.filter(
		(x): x is MyShl =>
			!!x && typeof x === 'object' && typeof x.cid === 'string' && typeof x.url === 'string' && Number.isSafeInteger(x.exp) && typeof x.unpinSecret === 'string' && typeof x.createdAt === 'string'
	);
}

/** The links made on this device, newest first. ShlListUnreadableError when the stored list does not open. */
export async function loadShlList(local: LocalStore, vault: VaultKeyed): Promise<MyShl[]> {
	const blob = await local.get(shlListKey(vault.address));
	if (!blob) return [];
	const key = await listKeyOf(vault);
	try {
		return parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await decryptBlob(key, blob, adOf(vault.address)))));
	} catch (cause) {
		if (cause instanceof DecryptionFailedError || cause instanceof SyntaxError || cause instanceof TypeError) throw new ShlListUnreadableError({ cause });
		throw cause;
	} finally {
		(await getSodium()).memzero(key);
	}
}

async function saveShlList(local: LocalStore, vault: VaultKeyed, list: readonly MyShl[]): Promise<void> {
	const key = await listKeyOf(vault);
	try {
		await local.put(shlListKey(vault.address), await encryptBlob(key, utf8(JSON.stringify(list)), adOf(vault.address)));
	} finally {
		(await getSodium()).memzero(key);
	}
}

/** Adds a link just made to the list. */
export async function rememberShl(deps: { local: LocalStore }, vault: VaultKeyed, made: MadeShl, now = new Date()): Promise<MyShl[]> {
	const entry: MyShl = {
		cid: made.cid,
		url: made.payload.url,
		...(made.payload.label ? { label: made.payload.label } : {}),
		exp: made.payload.exp ?? 0,
		createdAt: now.toISOString(),
		resources: made.resources,
		documents: made.documents,
		unpinSecret: made.unpinSecret
	};
	const list = [entry, ...(await loadShlList(deps.local, vault)).filter((x) => x.cid !== made.cid)];
	await saveShlList(deps.local, vault, list);
	return list;
}

/**
 * Unpins a link's file: removed from this device, and every connected peer
 * that pinned it for this link asked to drop it. The entry stays in the list,
 * marked unpinned. ShlUnpinError when the link is not in the list or this
 * device's store cannot unpin.
 */
export async function unpinShl(
	deps: { local: LocalStore; blobs: Pick<BlobStore, 'unpinBlock'> },
	vault: VaultKeyed,
	cid: string,
	options: { signal?: AbortSignal; now?: Date } = {}
): Promise<{ list: MyShl[]; report: UnpinReport }> {
	const list = await loadShlList(deps.local, vault);
	const entry = list.find((x) => x.cid === cid);
	if (!entry) throw new ShlUnpinError('it is not among the links made on this device.');
	if (!deps.blobs.unpinBlock) throw new ShlUnpinError('this device’s storage cannot unpin files.');
	const report = await deps.blobs.unpinBlock(cid, { secret: entry.unpinSecret, ...(options.signal ? { signal: options.signal } : {}) });
	const next = list.map((x) => (x.cid === cid ? { ...x, unpinnedAt: (options.now ?? new Date()).toISOString() } : x));
	await saveShlList(deps.local, vault, next);
	return { list: next, report };
}
