import { decryptBlob, encryptBlob } from '../crypto/seal';
import type { VaultKeys } from '../crypto/keys';
import { emptyIndex, isCategory, type VaultIndex } from '../records/model';
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
