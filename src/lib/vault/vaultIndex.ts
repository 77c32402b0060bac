import { decryptBlob, encryptBlob } from '../crypto/seal';
import type { VaultKeys } from '../crypto/keys';
import { emptyIndex, isCategory, type Category, type GrantRecord, type VaultIndex, type VaultRecord } from '../records/model';
import { IndexCorruptError } from '../records/errors';
import { indexKey, type VaultDeps } from './deps';
import type { Hex } from './ports';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

// Associated data binds each ciphertext to its role and owner: an index blob
// cannot be replayed as a pointer, nor one patient's index as another's.
const indexAd = (address: Hex) => utf8.encode(`carevault/v1/index/${address.toLowerCase()}`);
const pointerAd = (address: Hex) => utf8.encode(`carevault/v1/index-pointer/${address.toLowerCase()}`);

/**
 * Reads the record index: the chain's encrypted pointer names the current
 * index CID; a local copy with that CID is used when present, IPFS otherwise.
 */
export async function loadIndex(
	deps: Pick<VaultDeps, 'chain' | 'blobs' | 'local' | 'signer'>,
	keys: VaultKeys
): Promise<VaultIndex> {
	const address = deps.signer.address;
	const encryptedPointer = await deps.chain.readIndexPointer(address);
	if (!encryptedPointer) return emptyIndex();
	const cid = fromUtf8.decode(await decryptBlob(keys.index, encryptedPointer, pointerAd(address)));

	const cacheKey = `${indexKey(address)}:${cid}`;
	let blob = await deps.local.get(cacheKey);
	if (!blob) {
		blob = await deps.blobs.getBytes(cid);
		await deps.local.put(cacheKey, blob);
	}
	return decodeIndex(await decryptBlob(keys.index, blob, indexAd(address)));
}

/**
 * The CIDs of the index's stored block(s) that the chain names now (none for
 * a vault that never committed): what a backup must hold to load the index.
 * Kept beside loadIndex so a change of index format changes both.
 */
export async function indexRootCids(deps: Pick<VaultDeps, 'chain' | 'signer'>, keys: VaultKeys): Promise<string[]> {
	const address = deps.signer.address;
	const encryptedPointer = await deps.chain.readIndexPointer(address);
	if (!encryptedPointer) return [];
	return [fromUtf8.decode(await decryptBlob(keys.index, encryptedPointer, pointerAd(address)))];
}

/** Encrypts and stores an index; returns its CID and the encrypted pointer for the chain. */
export async function storeIndex(
	deps: Pick<VaultDeps, 'blobs' | 'local' | 'signer'>,
	keys: VaultKeys,
	index: VaultIndex
): Promise<{ cid: string; encryptedPointer: Uint8Array }> {
	const address = deps.signer.address;
	const blob = await encryptBlob(keys.index, utf8.encode(JSON.stringify(index)), indexAd(address));
	const cid = await deps.blobs.addBytes(blob);
	await deps.blobs.pin(cid);
	await deps.local.put(`${indexKey(address)}:${cid}`, blob);
	const encryptedPointer = await encryptBlob(keys.index, utf8.encode(cid), pointerAd(address));
	return { cid, encryptedPointer };
}

export function decodeIndex(bytes: Uint8Array): VaultIndex {
	try {
		const value = JSON.parse(fromUtf8.decode(bytes)) as VaultIndex;
		if (value?.v !== 1 || !Array.isArray(value.records)) throw new Error('unknown index version');
		for (const r of value.records) {
			if (typeof r.id !== 'string' || typeof r.title !== 'string' || !isCategory(r.category) || !Array.isArray(r.attachments))
				throw new Error(`bad record entry ${String(r?.id)}`);
		}
		return { ...emptyIndex(), ...value };
	} catch (cause) {
		throw new IndexCorruptError({ cause });
	}
}

/**
 * Merges our view of the index into a newer one read from the chain (another
 * tab or device committed meanwhile), losing nothing from either: records and
 * grants are a union by id (the newer index's entries first, in its order,
 * then ours), a record both hold keeps every attachment (each with its own
 * sealed key and manifest), key epochs take the higher value per category,
 * and the batch count is the newer index's, which is the chain's.
 * Deterministic: the same two indexes always give the same result.
 */
export function mergeIndexes(newer: VaultIndex, ours: VaultIndex): VaultIndex {
	const records = new Map<string, VaultRecord>();
	for (const r of newer.records) records.set(r.id, r);
	for (const r of ours.records) {
		const theirs = records.get(r.id);
		if (!theirs) records.set(r.id, r);
		else {
			const known = new Set(theirs.attachments.map((a) => a.id));
			const extra = r.attachments.filter((a) => !known.has(a.id));
			if (extra.length > 0) records.set(r.id, { ...theirs, attachments: [...theirs.attachments, ...extra] });
		}
	}

	const epochs: Partial<Record<Category, number>> = { ...newer.epochs };
	for (const [c, n] of Object.entries(ours.epochs) as Array<[Category, number | undefined]>)
		epochs[c] = Math.max(epochs[c] ?? 0, n ?? 0);

	let grants: GrantRecord[] | undefined;
	if (newer.grants || ours.grants) {
		const byId = new Map<string, GrantRecord>();
		for (const g of newer.grants ?? []) byId.set(g.id, g);
		for (const g of ours.grants ?? []) {
			const theirs = byId.get(g.id);
			if (!theirs) {
				byId.set(g.id, g);
				continue;
			}
			// A revocation seen on either side stays seen: its categories moved epoch.
			const rotated = [...new Set([...(theirs.rotated ?? []), ...(g.rotated ?? [])])];
			byId.set(g.id, { ...g, ...theirs, ...(rotated.length > 0 ? { rotated } : {}) });
		}
		grants = [...byId.values()];
	}

	return {
		...ours,
		...newer,
		records: [...records.values()],
		epochs,
		batches: newer.batches,
		...(grants ? { grants } : {})
	};
}
