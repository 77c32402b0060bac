/**
 * The one place the UnixFS import settings live, shared by the page's blob
 * store and the segment worker (which imports large encrypted files itself),
 * so both make the same CIDs (README "How CIDs are made";
 * unixfsSettings.test.ts).
 */
import { unixfs } from '@helia/unixfs';
import type { Blockstore } from 'interface-blockstore';
import type { CID } from 'multiformats/cid';
import { readAhead } from './readAhead';

/**
 * Importer settings written out instead of relying on @helia/unixfs defaults,
 * because the CID of a record must not change when the library does.
 * Leaves are 1 MiB (the largest block size every IPFS implementation
 * exchanges; bitswap messages cap at 4 MiB here, 2 MiB in Kubo). Encrypted
 * chunks are 1 MiB + 17 bytes, so they do not line up with leaves; that costs
 * nothing since leaves are read back in order.
 */
export const IMPORT_OPTIONS = { cidVersion: 1, rawLeaves: true } as const;

/**
 * The importer gathers this many leaves before writing them in parallel; with
 * the batching blockstore they land in one or two IndexedDB transactions.
 * It bounds the memory an add holds (about this many MiB) and does not change
 * the CID. 8 measured faster than 4 (bench/README.md).
 */
export const BLOCK_WRITE_CONCURRENCY = 8;

/** Chunks (about MiB) prepared ahead of the importer, so encryption overlaps storage. */
export const READ_AHEAD = 4;

/** Imports a byte stream as one UnixFS file into `blockstore`; returns its root CID. */
export function importByteStream(blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>, source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<CID> {
	return unixfs({ blockstore } as Parameters<typeof unixfs>[0]).addByteStream(readAhead(source, READ_AHEAD), {
		...IMPORT_OPTIONS,
		blockWriteConcurrency: BLOCK_WRITE_CONCURRENCY,
		signal
	});
}
