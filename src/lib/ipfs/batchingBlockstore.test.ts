import 'fake-indexeddb/auto';
import { IDBBlockstore } from 'blockstore-idb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchingIDBBlockstore } from './batchingBlockstore';

// IndexedDB here is fake-indexeddb (node has none); the same class runs on
// Chromium's IndexedDB in the e2e tests and the benchmark.

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
	for (const store of opened.splice(0)) await store.close();
});

let n = 0;
async function open<T extends IDBBlockstore>(make: (name: string) => T, name = `blocks-${++n}`): Promise<T> {
	const store = make(name);
	await store.open();
	opened.push(store);
	return store;
}

async function block(i: number, size = 1000): Promise<{ cid: CID; bytes: Uint8Array }> {
	const bytes = new Uint8Array(size).fill(i & 0xff);
	bytes[0] = i >> 8;
	return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

async function read(store: IDBBlockstore, cid: CID): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const part of store.get(cid)) parts.push(part);
	return parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
}

describe('BatchingIDBBlockstore', () => {
	it('writes concurrent puts in fewer transactions, readable by blockstore-idb itself', async () => {
		const store = await open((name) => new BatchingIDBBlockstore(name));
		const blocks = await Promise.all(Array.from({ length: 12 }, (_, i) => block(i)));
		await Promise.all(blocks.map(({ cid, bytes }) => store.put(cid, bytes)));
		// The first put starts a transaction at once; the rest gather behind it.
		expect(store.putTransactions).toBeGreaterThan(0);
		expect(store.putTransactions).toBeLessThanOrEqual(2);

		await store.close();
		const plain = await open((name) => new IDBBlockstore(name), `blocks-${n}`);
		for (const { cid, bytes } of blocks) {
			expect(await plain.has(cid)).toBe(true);
			expect(await read(plain, cid)).toEqual(bytes);
		}
	});

	it('reads blocks that blockstore-idb wrote', async () => {
		const name = `blocks-${++n}`;
		const plain = await open((nm) => new IDBBlockstore(nm), name);
		const { cid, bytes } = await block(7);
		await plain.put(cid, bytes);
		await plain.close();
		const store = await open((nm) => new BatchingIDBBlockstore(nm), name);
		expect(await store.has(cid)).toBe(true);
		expect(await read(store, cid)).toEqual(bytes);
	});

	it('puts made one after another each commit before they resolve', async () => {
		const store = await open((name) => new BatchingIDBBlockstore(name));
		for (let i = 0; i < 3; i++) {
			const { cid, bytes } = await block(100 + i);
			await store.put(cid, bytes);
			expect(await store.has(cid)).toBe(true);
		}
		expect(store.putTransactions).toBe(3);
	});

	it('fails every put of a batch that cannot be written, stores none of it, and keeps working', async () => {
		const store = await open((name) => new BatchingIDBBlockstore(name));
		const first = await block(200);
		const good = await block(201);
		const bad = await block(202);
		// A detached buffer cannot be cloned into IndexedDB.
		const detached = new Uint8Array(16);
		structuredClone(detached.buffer, { transfer: [detached.buffer] });

		const firstPut = store.put(first.cid, first.bytes);
		// These two queue behind the first transaction and share the next one.
		const results = await Promise.allSettled([store.put(good.cid, good.bytes), store.put(bad.cid, detached)]);
		await firstPut;
		for (const r of results) {
			expect(r.status).toBe('rejected');
			expect((r as PromiseRejectedResult).reason.name).toBe('PutFailedError');
		}
		expect(await store.has(good.cid)).toBe(false);
		expect(await store.has(bad.cid)).toBe(false);

		await store.put(good.cid, good.bytes);
		expect(await read(store, good.cid)).toEqual(good.bytes);
	});

	it('accepts a block given as pieces, and refuses to write when closed', async () => {
		const store = await open((name) => new BatchingIDBBlockstore(name));
		const { cid, bytes } = await block(300);
		await store.put(cid, [bytes.subarray(0, 10), bytes.subarray(10)]);
		expect(await read(store, cid)).toEqual(bytes);
		await store.close();
		await expect(store.put(cid, bytes)).rejects.toThrow('needs to be opened');
	});

	it('honours an aborted signal before queueing', async () => {
		const store = await open((name) => new BatchingIDBBlockstore(name));
		const { cid, bytes } = await block(400);
		await expect(store.put(cid, bytes, { signal: AbortSignal.abort() })).rejects.toThrow();
		expect(await store.has(cid)).toBe(false);
	});
});
