import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { PutFailedError } from 'interface-store';
import { concatBytes } from '../crypto/encoding';
import { BlobNotFoundError, BlobWriteError, InvalidCidError } from './errors';
import { createBlobStore } from './blobStore';
import { createMemoryNode, type MemoryNode } from './memoryNode';

const MiB = 1024 * 1024;
const nodes: MemoryNode[] = [];
afterAll(async () => {
	for (const node of nodes) await node.stop();
});

async function node(options: Parameters<typeof createMemoryNode>[0] = {}): Promise<MemoryNode> {
	const n = await createMemoryNode(options);
	nodes.push(n);
	return n;
}

/** Deterministic pseudo-random bytes, so a failure is reproducible. */
function bytes(length: number, seed = 1): Uint8Array {
	const out = new Uint8Array(length);
	let x = seed >>> 0 || 1;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const part of source) parts.push(part);
	return concatBytes(...parts);
}

/** Index of the first differing byte, or -1 when equal (toEqual is very slow on MiB arrays). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : n;
}

const MISSING = CID.createV1(raw.code, CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy').multihash);

describe('createBlobStore (memory node)', () => {
	it('round-trips a multi-MiB stream byte for byte, with a CID independent of how the input was split', async () => {
		const n = await node();
		// Not a multiple of the leaf size, fed in pieces the size of encrypted chunks.
		const data = bytes(5 * MiB + 12_345);
		const cid = await n.blobStore.addStream(pieces(data, MiB + 17));
		const again = await n.blobStore.addStream(pieces(data, 64 * 1024 + 3));

		expect(again).toBe(cid);
		expect(CID.parse(cid).version).toBe(1);
		expect(firstDifference(await collect(n.blobStore.cat(cid)), data)).toBe(-1);
		expect(firstDifference(await n.blobStore.getBytes(cid), data)).toBe(-1);
	});

	it('keeps every block at or below 1 MiB so any IPFS peer can exchange it', async () => {
		const n = await node();
		await n.blobStore.addStream(pieces(bytes(3 * MiB + 1, 7), MiB + 17));
		const sizes: number[] = [];
		for await (const { bytes: block } of n.blockstore.getAll()) {
			let size = 0;
			for await (const part of block) size += part.byteLength;
			sizes.push(size);
		}
		expect(sizes.length).toBe(5); // 4 leaves + 1 root
		expect(Math.max(...sizes)).toBe(MiB);
	});

	it('writes blocks while the input is still arriving instead of buffering it', async () => {
		const n = await node();
		let blocksSeenMidStream = -1;
		async function* source(): AsyncGenerator<Uint8Array> {
			for (let i = 0; i < 48; i++) {
				if (i === 47) {
					blocksSeenMidStream = 0;
					for await (const _ of n.blockstore.getAll()) blocksSeenMidStream++;
				}
				yield bytes(256 * 1024, i + 1);
			}
		}
		await n.blobStore.addStream(source());
		// 11.75 MiB pulled: at most one batch of leaves may still be waiting to be written.
		expect(blocksSeenMidStream).toBeGreaterThanOrEqual(8);
	});

	it('stores and reads a small blob as a single raw block', async () => {
		const n = await node();
		const data = new TextEncoder().encode('a small sealed bundle');
		const cid = await n.blobStore.addBytes(data);
		expect(CID.parse(cid).code).toBe(raw.code);
		expect(await n.blobStore.getBytes(cid)).toEqual(data);
		expect(await n.blobStore.addStream(pieces(data, 5))).toBe(cid);
	});

	it('throws BlobNotFoundError for an unknown CID on an offline node', async () => {
		const n = await node();
		const err = await n.blobStore.getBytes(MISSING.toString()).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BlobNotFoundError);
		expect((err as BlobNotFoundError).cid).toBe(MISSING.toString());
		expect((err as BlobNotFoundError).shortMessage).toMatch(/could not be found/);
	});

	it('throws BlobNotFoundError when a networked node with no peers waits past its timeout', async () => {
		const n = await node({ networking: true, blobStore: { timeoutMs: 200 } });
		expect(n.networking).toBe('on');
		await expect(n.blobStore.getBytes(MISSING.toString())).rejects.toBeInstanceOf(BlobNotFoundError);
		await expect(n.blobStore.pin(MISSING.toString())).rejects.toBeInstanceOf(BlobNotFoundError);
	});

	it("rejects with the caller's abort reason, not BlobNotFoundError, when the caller aborts", async () => {
		const n = await node({ networking: true, blobStore: { timeoutMs: 60_000 } });
		const controller = new AbortController();
		const reason = new Error('closed by the user');
		const pending = n.blobStore.getBytes(MISSING.toString(), { signal: controller.signal });
		controller.abort(reason);
		await expect(pending).rejects.toBe(reason);
	});

	it('throws InvalidCidError for a malformed CID in every read and pin path', async () => {
		const n = await node();
		await expect(n.blobStore.getBytes('not-a-cid')).rejects.toBeInstanceOf(InvalidCidError);
		await expect(collect(n.blobStore.cat('bafy-nope'))).rejects.toBeInstanceOf(InvalidCidError);
		await expect(n.blobStore.pin('')).rejects.toBeInstanceOf(InvalidCidError);
	});

	it('pins idempotently and reports that no other node holds a copy while offline', async () => {
		const reports: unknown[] = [];
		const n = await node({ blobStore: { onPinReport: (r) => reports.push(r) } });
		const cid = await n.blobStore.addStream(pieces(bytes(2 * MiB, 3), MiB));
		const first = await n.blobStore.pinWithReport(cid);
		await n.blobStore.pin(cid);
		expect(first).toEqual({ cid, local: 'pinned', remote: [] });
		expect(await n.helia.pins.isPinned(CID.parse(cid))).toBe(true);
		expect(await n.blobStore.pinWithReport(cid)).toEqual({ cid, local: 'already-pinned', remote: [] });
		expect(reports).toEqual([first, { cid, local: 'already-pinned', remote: [] }, { cid, local: 'already-pinned', remote: [] }]);
	});

	it('tamper flips one byte of the first leaf and keeps the CID', async () => {
		const n = await node();
		const data = bytes(2 * MiB + 5, 9);
		const cid = await n.blobStore.addStream(pieces(data, MiB));
		await n.tamper(cid);
		const read = await n.blobStore.getBytes(cid);
		const diff = firstDifference(read, data);
		expect(read.length).toBe(data.length);
		expect(diff).toBe(MiB - 1);
		expect(firstDifference(read.subarray(MiB), data.subarray(MiB))).toBe(-1);
		expect(read[diff] ^ data[diff]).toBe(1);
	});
});

describe('createBlobStore when the device storage refuses writes', () => {
	/** Storage that accepts `okBlocks` blocks, then fails as blockstores do: PutFailedError caused by the browser's error. */
	function failingStore(browserError: Error, okBlocks = 0) {
		const blockstore = new MemoryBlockstore();
		let puts = 0;
		const put = blockstore.put.bind(blockstore);
		blockstore.put = async (...args: Parameters<typeof put>) => {
			if (puts++ >= okBlocks) throw Object.assign(new PutFailedError(String(browserError)), { cause: browserError });
			return put(...args);
		};
		return createBlobStore({ blockstore, pins: { add: async function* () {} } });
	}

	it('says the storage is full when the browser reports its quota, for streams and small blobs', async () => {
		// The stream fails part-way (after two blocks), the small blob on its only block.
		const full = (okBlocks: number) => failingStore(new DOMException('The quota has been exceeded.', 'QuotaExceededError'), okBlocks);
		const err = await full(2).addStream(pieces(bytes(5 * MiB, 3), MiB)).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BlobWriteError);
		expect((err as BlobWriteError).quota).toBe(true);
		expect((err as BlobWriteError).shortMessage).toMatch(/storage for Carevault is full, so nothing was added/);
		await expect(full(0).addBytes(bytes(100))).rejects.toMatchObject({ name: 'BlobWriteError', quota: true });
	});

	it('says the write failed, without blaming space, for any other storage error', async () => {
		const err = await failingStore(new Error('UnknownError: the backing store failed')).addBytes(bytes(100)).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BlobWriteError);
		expect((err as BlobWriteError).quota).toBe(false);
		expect((err as BlobWriteError).shortMessage).toMatch(/could not be saved/);
	});

	it("passes the source's own error through: a file that cannot be read is not a storage problem", async () => {
		async function* unreadable(): AsyncGenerator<Uint8Array> {
			yield bytes(MiB);
			throw new Error('the file could not be read');
		}
		const store = failingStore(new Error('never reached'), 1_000);
		await expect(store.addStream(unreadable())).rejects.toThrow('the file could not be read');
	});
});
