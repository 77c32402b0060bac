import { CHUNK_SIZE, generateDataKey, manifestHeaderHash, RECORD_CIPHER_ALG } from '../crypto/recordCipher';
import { getSodium } from '../crypto/sodium';
import { encryptInThread, type FileInput, type VaultDeps } from './deps';
import { randomId } from './random';

/**
 * Encrypts one file under a fresh data key exactly as the record cipher does
 * (possibly on a worker: deps.encrypt), stores and pins the ciphertext, then
 * hands the key to `keep`, which turns it into what the caller stores (sealed
 * to the vault's Umbral key, or inside a provider's signed proposal). The key
 * is wiped afterwards, whatever happens. The vault's own records and a
 * provider's proposal both go through here, so both are readable the same way.
 */
export async function encryptFile<T>(
	deps: Pick<VaultDeps, 'blobs' | 'encrypt'>,
	file: FileInput,
	keep: (dek: Uint8Array) => T | Promise<T>,
	options: { onProgress?(bytes: number): void; signal?: AbortSignal } = {}
): Promise<{ id: string; cid: string; chunk: number; kept: T }> {
	const sodium = await getSodium();
	const id = randomId();
	const dek = await generateDataKey();
	try {
		const ad = await manifestHeaderHash({ v: 1, alg: RECORD_CIPHER_ALG, chunk: CHUNK_SIZE, id });
		const cid = await storeEncrypted(deps, file, { key: dek, ad, onProgress: options.onProgress, signal: options.signal });
		await deps.blobs.pin(cid, { signal: options.signal });
		return { id, cid, chunk: CHUNK_SIZE, kept: await keep(dek) };
	} finally {
		sodium.memzero(dek);
	}
}

/** Files at least this large are encrypted and stored inside the store's workers when it offers that. */
const IN_STORE_MIN_BYTES = 16 * 1024 * 1024;

/**
 * Encrypts `file` under `key` and stores the ciphertext; returns its CID. A
 * large file goes to the store's own encrypt-and-store (`addEncryptedFile`,
 * the OPFS segment store's workers) when it has one, else the ciphertext of
 * `deps.encrypt` is streamed into `addStream`. Both make the same CID.
 */
export async function storeEncrypted(
	deps: Pick<VaultDeps, 'blobs' | 'encrypt'>,
	file: FileInput,
	options: { key: Uint8Array; ad: Uint8Array; onProgress?(bytes: number): void; signal?: AbortSignal }
): Promise<string> {
	const onProgress = options.onProgress ?? (() => {});
	if (deps.blobs.addEncryptedFile && file.blob && file.size >= IN_STORE_MIN_BYTES) {
		return deps.blobs.addEncryptedFile(file.blob, { key: options.key, ad: options.ad, chunkSize: CHUNK_SIZE, onProgress, signal: options.signal });
	}
	const encrypt = deps.encrypt ?? encryptInThread;
	return deps.blobs.addStream(untilAborted(encrypt(file, { key: options.key, ad: options.ad, onProgress, signal: options.signal }), options.signal), { signal: options.signal });
}

/**
 * Ends the ciphertext stream with the signal's reason as soon as it is
 * aborted. The importer and some blockstores only look at the signal between
 * batches or not at all; an error from the source stops them at once, so a
 * cancelled add stops reading the file.
 */
async function* untilAborted(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
	for await (const chunk of source) {
		signal?.throwIfAborted();
		yield chunk;
	}
}
