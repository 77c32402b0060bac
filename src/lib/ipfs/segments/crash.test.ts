/**
 * Crash consistency of the segment blockstore, over real files: a write cut
 * at any point never exposes a block whose bytes do not hash to its CID, the
 * index can be rebuilt from the segments alone, compaction reclaims dead space.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { encodeRecord, hashesTo } from './format';
import { nodeSegmentDir } from './nodeFiles';
import { openIdbSegmentIndex, type IndexEntry } from './segmentIndex';
import { SegmentBlockstore, type SegmentBlockstoreOptions } from './segmentStore';

let dbs = 0;
const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
	const d = mkdtempSync(join(tmpdir(), 'carevault-crash-'));
	dirs.push(d);
	return d;
}

/** Opens the store in `dir`; a new index name means the index is lost and must be rebuilt. */
async function open(dir: string, indexName = `idx-${dbs++}`, options: Partial<SegmentBlockstoreOptions> = {}) {
	return SegmentBlockstore.open({ dir: nodeSegmentDir(dir), index: await openIdbSegmentIndex(indexName), segmentBytes: 2048, ...options });
}

async function block(bytes: Uint8Array) {
	return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

/** Every block the store exposes, read through `get`; reading must never throw. */
async function exposed(store: SegmentBlockstore): Promise<Map<string, Uint8Array>> {
	const out = new Map<string, Uint8Array>();
	for await (const { cid, bytes } of store.getAll()) {
		const parts: Uint8Array[] = [];
		for await (const p of bytes) parts.push(p);
		expect(parts).toHaveLength(1);
		expect(await hashesTo(cid, parts[0])).toBe(true);
		expect(await store.has(cid)).toBe(true);
		out.set(cid.toString(), parts[0].slice());
	}
	return out;
}

async function entries(dir: string, indexName: string): Promise<IndexEntry[]> {
	const index = await openIdbSegmentIndex(indexName);
	const out: IndexEntry[] = [];
	for await (const e of index.entries()) out.push(e);
	index.close();
	return out;
}

const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.seg')).map((f) => Number(f.slice(0, -4))).sort((a, b) => a - b);

describe('segment store crash consistency', () => {
	it('a record cut at every byte offset: with the index kept, a torn record is cut off, a whole one is checked and indexed', async () => {
		const dir = tempDir();
		const name = `kept-${dbs++}`;
		const store = await open(dir, name);
		const committed = [await block(new TextEncoder().encode('first block')), await block(new TextEncoder().encode('second, a little longer'))];
		for (const b of committed) await store.put(b.cid, b.bytes);
		await store.close();
		const [seg] = segments(dir);
		const file = join(dir, `${seg}.seg`);
		const before = readFileSync(file);
		const third = await block(new Uint8Array(300).fill(9));
		const torn = encodeRecord(third.cid, third.bytes);
		for (let cut = 0; cut <= torn.length; cut++) {
			writeFileSync(file, before);
			appendFileSync(file, torn.subarray(0, cut));
			const reopened = await open(dir, name);
			const got = await exposed(reopened);
			// A torn record is never exposed; a whole one (flushed, index commit lost) is checked and indexed.
			const expected = cut === torn.length ? [...committed, third] : committed;
			expect([...got.keys()].sort()).toEqual(expected.map((b) => b.cid.toString()).sort());
			await reopened.close();
			expect(statSync(file).size).toBe(before.length + (cut === torn.length ? torn.length : 0));
		}
	});

	it('a segment cut at every byte offset and the index lost: the rebuild exposes exactly the whole records before the cut', async () => {
		const dir = tempDir();
		const store = await open(dir, undefined, { segmentBytes: 1 << 20 });
		const blocks = await Promise.all(['alpha', 'beta block', 'gamma gamma gamma', 'delta'].map((s) => block(new TextEncoder().encode(s))));
		for (const b of blocks) await store.put(b.cid, b.bytes);
		await store.delete(blocks[1].cid);
		await store.close();
		const [seg] = segments(dir);
		const file = join(dir, `${seg}.seg`);
		const whole = readFileSync(file);
		// Record ends, in write order: 8-byte segment header, 4 blocks, then the tombstone of blocks[1].
		const ends: number[] = [];
		let at = 8;
		for (const b of blocks) ends.push((at += encodeRecord(b.cid, b.bytes).length));
		const tombstoneEnd = at + encodeRecord(blocks[1].cid, null).length;
		expect(tombstoneEnd).toBe(whole.length);
		for (let cut = 0; cut <= whole.length; cut++) {
			writeFileSync(file, whole.subarray(0, cut));
			const rebuilt = await open(dir);
			const got = await exposed(rebuilt);
			const expected = blocks.filter((b, i) => ends[i] <= cut && !(i === 1 && cut >= tombstoneEnd));
			expect([...got.keys()].sort()).toEqual(expected.map((b) => b.cid.toString()).sort());
			for (const b of expected) expect(got.get(b.cid.toString())).toEqual(b.bytes);
			await rebuilt.close();
			writeFileSync(file, whole);
		}
	});

	it('property: random puts and deletes, then a crash (torn tail, or a cut with garbage and a lost index), never expose a bad block', async () => {
		const op = fc.oneof(
			fc.record({ t: fc.constant('put' as const), size: fc.integer({ min: 0, max: 900 }), seed: fc.integer({ min: 0, max: 255 }) }),
			fc.record({ t: fc.constant('delete' as const), pick: fc.nat() })
		);
		await fc.assert(
			fc.asyncProperty(
				fc.array(op, { minLength: 1, maxLength: 25 }),
				fc.double({ min: 0, max: 1, noNaN: true }),
				fc.uint8Array({ maxLength: 64 }),
				fc.constantFrom('torn-tail', 'cut-lost-index', 'cut-kept-index' as const),
				async (ops, cutAt, garbage, crash) => {
					const dir = tempDir();
					const name = `prop-${dbs++}`;
					const store = await open(dir, name, { compactMinDeadBytes: 1 });
					const all = new Map<string, Uint8Array>();
					const live = new Map<string, Uint8Array>();
					let k = 0;
					for (const o of ops) {
						if (o.t === 'put') {
							const bytes = new Uint8Array(o.size).fill(o.seed);
							if (o.size > 0) bytes[0] = k++ & 0xff;
							const b = await block(bytes);
							await store.put(b.cid, b.bytes);
							all.set(b.cid.toString(), b.bytes);
							live.set(b.cid.toString(), b.bytes);
						} else if (live.size > 0) {
							const key = [...live.keys()][o.pick % live.size];
							await store.delete(CID.parse(key));
							live.delete(key);
						}
					}
					await store.compact();
					expect(await exposed(store)).toEqual(live);
					const placed = await entries(dir, name);
					await store.close();

					const last = segments(dir).at(-1)!;
					const file = join(dir, `${last}.seg`);
					let cut = statSync(file).size;
					const tornBlock = await block(garbage);
					const tornCid = tornBlock.cid.toString();
					all.set(tornCid, garbage);
					if (crash === 'torn-tail') {
						// A tab closed mid-batch: part of a record that never reached the index, then junk.
						const torn = encodeRecord(tornBlock.cid, garbage);
						appendFileSync(file, torn.subarray(0, Math.floor(torn.length * cutAt)));
						appendFileSync(file, garbage);
					} else {
						// Unflushed writes lost as well (or storage damaged): the newest segment ends early, then junk.
						cut = Math.floor(cut * cutAt);
						truncateSync(file, cut);
						appendFileSync(file, garbage);
					}

					const reopened = await open(dir, crash === 'cut-lost-index' ? undefined : name);
					if (crash === 'cut-kept-index') {
						// Flushed bytes changed under a kept index is damage, not a crash: each read gives
						// the true bytes or refuses with a clear error, never other bytes.
						for (const [cid, bytes] of all) {
							try {
								expect(await reopened.read(CID.parse(cid))).toEqual(bytes);
							} catch (err) {
								expect(['NotFoundError', 'StoredBlockCorruptError']).toContain((err as Error).name);
							}
						}
						await reopened.close();
						return;
					}
					const got = await exposed(reopened);
					for (const [cid, bytes] of got) expect(all.get(cid)).toEqual(bytes);
					if (crash === 'torn-tail') {
						// The torn record counts only if it was written whole (cutAt = 1) and no garbage hides it.
						for (const [cid, bytes] of live) expect(got.get(cid)).toEqual(bytes);
						for (const cid of got.keys()) if (!live.has(cid)) expect(cid).toBe(tornCid);
					}
					// Whatever lay wholly before the cut (or in older segments) and was live is still there.
					for (const e of placed) {
						const cid = CID.decode(e.cid).toString();
						const size = 12 + e.cid.length + e.length;
						if (e.segment < last || e.offset + size <= cut) expect(got.get(cid)).toEqual(live.get(cid));
					}
					await reopened.close();
					rmSync(dir, { recursive: true, force: true });
				}
			),
			{ numRuns: 90 }
		);
	});

	it('rebuilding the index from the segments alone gives the same blocks, including after deletes and a compaction', async () => {
		const dir = tempDir();
		const name = `same-${dbs++}`;
		const store = await open(dir, name, { compactMinDeadBytes: 1 });
		const blocks = await Promise.all(Array.from({ length: 30 }, (_, i) => block(new Uint8Array(400).fill(i))));
		for await (const _ of store.putMany(blocks.map((b) => ({ cid: b.cid, bytes: b.bytes })))) void _;
		for (const b of blocks.filter((_, i) => i % 3 !== 0)) await store.delete(b.cid);
		// Deleted then put again: the newer put must win over the older tombstone in a rebuild.
		await store.put(blocks[1].cid, blocks[1].bytes);
		await store.compact();
		const expected = await exposed(store);
		expect(expected.size).toBe(11);
		await store.close();
		const rebuilt = await open(dir, undefined, { compactMinDeadBytes: 1 });
		expect(await exposed(rebuilt)).toEqual(expected);
		await rebuilt.close();
	});
});

describe('segment store compaction', () => {
	it('rewrites mostly-dead segments, frees their files, keeps every live block', async () => {
		const dir = tempDir();
		const name = `compact-${dbs++}`;
		const store = await open(dir, name, { segmentBytes: 4096, compactMinDeadBytes: 1 });
		const blocks = await Promise.all(Array.from({ length: 40 }, (_, i) => block(new Uint8Array(1000).fill(i))));
		for (const b of blocks) await store.put(b.cid, b.bytes);
		const full = store.stats();
		expect(full.segments).toBeGreaterThanOrEqual(10);
		const keep = blocks.filter((_, i) => i % 8 === 0);
		for (const b of blocks) if (!keep.includes(b)) await store.delete(b.cid);
		await store.compact();
		const after = store.stats();
		expect(after.bytes).toBeLessThan(full.bytes / 3);
		expect(after.liveBytes).toBe(keep.reduce((n, b) => n + 12 + b.cid.bytes.length + b.bytes.length, 0));
		const files = segments(dir);
		expect(files.length).toBeLessThan(full.segments / 2);
		const got = await exposed(store);
		expect([...got.keys()].sort()).toEqual(keep.map((b) => b.cid.toString()).sort());
		for (const b of blocks) expect(await store.has(b.cid)).toBe(keep.includes(b));
		await store.close();
		// Open again with the same index: nothing lost, nothing resurrected.
		const reopened = await open(dir, name, { segmentBytes: 4096 });
		expect([...(await exposed(reopened)).keys()].sort()).toEqual(keep.map((b) => b.cid.toString()).sort());
		await reopened.close();
		// And from the segments alone: the tombstones kept by compaction stop deleted blocks coming back.
		const rebuilt = await open(dir, undefined, { segmentBytes: 4096 });
		expect([...(await exposed(rebuilt)).keys()].sort()).toEqual(keep.map((b) => b.cid.toString()).sort());
		await rebuilt.close();
	});

	it('a compaction cut before its index commit loses nothing: the copies are an uncommitted tail', async () => {
		const dir = tempDir();
		const name = `cut-${dbs++}`;
		const store = await open(dir, name, { segmentBytes: 4096, compactMinDeadBytes: 1 << 30 });
		const blocks = await Promise.all(Array.from({ length: 12 }, (_, i) => block(new Uint8Array(1000).fill(100 + i))));
		for (const b of blocks) await store.put(b.cid, b.bytes);
		for (const b of blocks.slice(0, 6)) await store.delete(b.cid);
		const before = await exposed(store);
		await store.close();
		const snapshot = new Map(segments(dir).map((id) => [id, readFileSync(join(dir, `${id}.seg`))]));
		// Compact for real, then put the files back as they were except the newest, which keeps the
		// appended copies: what a tab closed between the copy's flush and its index commit leaves.
		const compacting = await open(dir, `cut-copy-${dbs++}`, { segmentBytes: 1 << 20, compactMinDeadBytes: 1 });
		await compacting.compact();
		await compacting.close();
		const newest = Math.max(...snapshot.keys());
		for (const [id, bytes] of snapshot) if (id !== newest) writeFileSync(join(dir, `${id}.seg`), bytes);
		const reopened = await open(dir, name, { segmentBytes: 4096 });
		expect(await exposed(reopened)).toEqual(before);
		await reopened.close();
	});
});
