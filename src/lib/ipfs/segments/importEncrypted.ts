/**
 * A large file's whole add inside the segment worker: the ciphertext comes
 * straight from the cipher worker over a MessagePort, and the UnixFS
 * importer, the hashing and the appends run here, beside the segment files.
 * No block crosses to the page and back (before: cipher worker -> page ->
 * importer and SHA-256 on the page's thread -> a copy to this worker), and
 * the page's thread stays free. bench/README.md has the measurements.
 */
import type { Blockstore } from 'interface-blockstore';
import type { CID } from 'multiformats/cid';
import { encryptThroughPort, type CipherPort } from '../../crypto/cipherPort';
import { importByteStream } from '../unixfsImport';

/** Puts that may be waiting for their flush + index commit while the importer goes on (about MiB). */
const WRITE_BEHIND = 16;

export interface ImportEncryptedOptions {
	key: Uint8Array;
	ad: Uint8Array;
	chunkSize?: number;
	onProgress?(done: number): void;
	signal?: AbortSignal;
}

/**
 * Encrypts `file` through the cipher on `cipher` and imports the ciphertext
 * into `store` with the app's UnixFS settings (the same CID as the page's
 * `addStream` of that ciphertext). Resolves once every block is flushed and
 * indexed, so the CID it returns is never ahead of what a crash keeps.
 */
export async function importEncryptedFile(store: Pick<Blockstore, 'get' | 'put' | 'has'>, cipher: CipherPort, file: Blob, options: ImportEncryptedOptions): Promise<CID> {
	const behind = writeBehind(store, WRITE_BEHIND);
	try {
		const cid = await importByteStream(behind.blockstore, encryptThroughPort(cipher, file, options), options.signal);
		await behind.settle();
		return cid;
	} catch (err) {
		await behind.settle().catch(() => {});
		throw err;
	}
}

/**
 * Lets the importer go on while up to `limit` puts wait for their batch's
 * flush and index commit. The importer otherwise waits for each batch of 8
 * leaves to be durable before it chunks and hashes the next, which leaves
 * this thread idle during every commit. A failed put fails the next put (or
 * `settle`), so an add never reports a CID whose blocks were not all stored.
 */
export function writeBehind(store: Pick<Blockstore, 'get' | 'put' | 'has'>, limit: number): { blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>; settle(): Promise<void> } {
	const pending = new Set<Promise<unknown>>();
	let failure: { err: unknown } | null = null;
	const check = () => {
		if (failure) throw failure.err;
	};
	return {
		blockstore: {
			get: (cid, options) => store.get(cid, options),
			has: (cid, options) => store.has(cid, options),
			async put(cid: CID, bytes, options) {
				check();
				const p: Promise<unknown> = Promise.resolve(store.put(cid, bytes, options)).then(
					() => pending.delete(p),
					(err: unknown) => {
						failure ??= { err };
						pending.delete(p);
					}
				);
				pending.add(p);
				while (pending.size >= limit) await Promise.race(pending);
				check();
				return cid;
			}
		},
		async settle() {
			await Promise.all(pending);
			check();
		}
	};
}
