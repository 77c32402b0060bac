/**
 * A blockstore of append-only segment files with an index CID -> (segment,
 * offset, length). Pure over two ports (`SegmentDir` for the files,
 * `SegmentIndex` for the index), so it runs in node tests over real files and
 * in the browser's worker over OPFS sync access handles.
 *
 * Crash consistency: a batch of puts is appended, flushed, and only then
 * indexed in one IndexedDB transaction; a put resolves after that. On open,
 * each segment is cut back to the length its index last committed, so a tail
 * torn by a closed tab is never read. Lost the index? `rebuild()` reads the
 * segments alone and takes only records whose bytes hash to their CID.
 * Deletes write a tombstone and leave dead space that `compact()` reclaims.
 */
import type { Blockstore, InputPair, Pair } from 'interface-blockstore';
import { NotFoundError, PutFailedError } from 'interface-store';
import { CID } from 'multiformats/cid';
import {
	blockKey, canVerify, decodeCid, decodeRecordHeader, encodeRecord, encodeRecordHead, hashesTo, recordSize, scanSegment,
	MAX_BLOCK_BYTES, RECORD_HEADER_SIZE, SEGMENT_HEADER_SIZE, SEGMENT_MAGIC,
	type SegmentDir, type SegmentFile
} from './format';
import type { IndexEntry, SegmentIndex, SegmentMeta } from './segmentIndex';
import { StoredBlockCorruptError } from './errors';
import { concatBytes } from '../../crypto/encoding';

type AbortOptions = { signal?: AbortSignal };

export interface SegmentBlockstoreOptions {
	dir: SegmentDir;
	index: SegmentIndex;
	/** A segment is closed for writing once it reaches this size. @default 64 MiB */
	segmentBytes?: number;
	/** Compact a closed segment when at least this share of it is dead. @default 0.5 */
	compactDeadRatio?: number;
	/** ...and at least this many bytes are dead. @default 1 MiB */
	compactMinDeadBytes?: number;
	/** Puts appended before one flush + index commit (more are queued). @default 64 */
	maxBatch?: number;
}

export interface SegmentStoreStats {
	segments: number;
	/** Bytes of all segment files. */
	bytes: number;
	/** Bytes of records that live blocks use. */
	liveBytes: number;
}

interface Waiter {
	resolve(): void;
	reject(err: unknown): void;
}
type Op =
	| ({ t: 'put'; cid: CID; key: string; bytes: Uint8Array } & Waiter)
	| ({ t: 'delete'; cid: CID; key: string } & Waiter)
	| ({ t: 'compact' } & Waiter);

const MiB = 1024 * 1024;

export class SegmentBlockstore implements Blockstore {
	readonly #dir: SegmentDir;
	readonly #index: SegmentIndex;
	readonly #segmentBytes: number;
	readonly #deadRatio: number;
	readonly #minDead: number;
	readonly #maxBatch: number;
	readonly #files = new Map<number, SegmentFile>();
	#metas = new Map<number, SegmentMeta>();
	/** The whole index in memory (about 150 bytes a block), so reads and puts never wait on IndexedDB reads. */
	#entries = new Map<string, IndexEntry>();
	#active = 0;
	#writeAt = 0;
	#queue: Op[] = [];
	#draining: Promise<void> | null = null;
	#closed = false;

	private constructor(options: SegmentBlockstoreOptions) {
		this.#dir = options.dir;
		this.#index = options.index;
		this.#segmentBytes = options.segmentBytes ?? 64 * MiB;
		this.#deadRatio = options.compactDeadRatio ?? 0.5;
		this.#minDead = options.compactMinDeadBytes ?? MiB;
		this.#maxBatch = options.maxBatch ?? 64;
	}

	/** Opens the store: cuts torn tails, drops abandoned segments, rebuilds a missing index. */
	static async open(options: SegmentBlockstoreOptions): Promise<SegmentBlockstore> {
		const store = new SegmentBlockstore(options);
		await store.#recover();
		return store;
	}

	async #recover(): Promise<void> {
		const ids = (await this.#dir.list()).sort((a, b) => a - b);
		const metas = await this.#index.segments();
		if (metas.length === 0 && ids.length > 0) {
			await this.rebuild();
			return;
		}
		this.#metas = new Map(metas.map((m) => [m.id, m]));
		const newest = Math.max(0, ...this.#metas.keys());
		for (const id of ids) {
			if (this.#metas.has(id)) continue;
			// Newer than any the index knows: a segment whose first batches were flushed but not yet
			// indexed; its records are checked and indexed below. Older: a compaction's victim.
			if (id > newest) this.#metas.set(id, { id, committed: SEGMENT_HEADER_SIZE, live: 0 });
			else await this.#dir.remove(id);
		}
		const missing: number[] = [];
		for (const meta of this.#metas.values()) {
			if (!ids.includes(meta.id)) {
				missing.push(meta.id);
				continue;
			}
			const file = await this.#dir.open(meta.id);
			this.#files.set(meta.id, file);
			// Shorter than what was flushed: storage lost data. Keep the records that are still whole.
			if (file.size() < meta.committed) await this.#repair(meta, file);
			// After `committed`: records flushed but not yet indexed when the tab closed, then maybe a torn one.
			if (file.size() > meta.committed) await this.#indexTail(meta, file);
		}
		if (missing.length > 0) await this.#forgetSegments(missing);
		await this.#startActive();
	}

	/**
	 * Indexes the whole, valid records after a segment's committed length (each
	 * checked against its CID) and cuts the file at the first one that is not.
	 */
	async #indexTail(meta: SegmentMeta, file: SegmentFile): Promise<void> {
		const { records, end } = await scanSegment(file, meta.committed);
		const overlay = new Map<string, IndexEntry | null>();
		for (const r of records) {
			const key = blockKey(r.cid);
			const old = overlay.has(key) ? overlay.get(key) : await this.#index.get(key);
			if (r.tombstone) {
				if (old) this.#metas.get(old.segment)!.live -= recordSize(old.cid.length, old.length);
				overlay.set(key, null);
			} else if (!old) {
				overlay.set(key, { key, cid: r.cid.bytes, segment: meta.id, offset: r.offset, length: r.length });
				meta.live += recordSize(r.cid.bytes.length, r.length);
			}
		}
		meta.committed = Math.max(end, meta.committed);
		file.truncate(meta.committed);
		file.flush();
		const put = [...overlay.values()].filter((e): e is IndexEntry => e !== null);
		const del = [...overlay].filter(([, e]) => e === null).map(([k]) => k);
		await this.#index.apply({ put, delete: del, segments: [...this.#metas.values()].map((m) => ({ ...m })) });
	}

	/** Cuts a damaged segment at its first invalid record and forgets the blocks past that point. */
	async #repair(meta: SegmentMeta, file: SegmentFile): Promise<void> {
		const { end } = await scanSegment(file);
		const dead: string[] = [];
		let live = 0;
		for await (const e of this.#index.entries()) {
			if (e.segment !== meta.id) continue;
			if (e.offset + recordSize(e.cid.length, e.length) > end) dead.push(e.key);
			else live += recordSize(e.cid.length, e.length);
		}
		meta.committed = Math.max(end, SEGMENT_HEADER_SIZE);
		meta.live = live;
		if (end < SEGMENT_HEADER_SIZE) {
			file.truncate(0);
			file.write(SEGMENT_MAGIC, 0);
		}
		file.truncate(meta.committed);
		file.flush();
		await this.#index.apply({ delete: dead, segments: [{ ...meta }] });
	}

	/** The index entries of segments whose files are gone (storage cleared behind our back) point nowhere: drop them. */
	async #forgetSegments(ids: number[]): Promise<void> {
		const gone = new Set(ids);
		const dead: string[] = [];
		for await (const e of this.#index.entries()) if (gone.has(e.segment)) dead.push(e.key);
		await this.#index.apply({ delete: dead, removeSegments: ids });
		for (const id of ids) this.#metas.delete(id);
	}

	/** Writes go to the newest segment while it has room, else to a new one. */
	async #startActive(): Promise<void> {
		this.#entries = new Map();
		for await (const e of this.#index.entries()) this.#entries.set(e.key, e);
		const newest = Math.max(0, ...this.#metas.keys());
		const meta = this.#metas.get(newest);
		if (meta && meta.committed < this.#segmentBytes) {
			this.#active = newest;
			this.#writeAt = meta.committed;
		} else {
			await this.#newSegment(newest + 1);
		}
	}

	async #newSegment(id: number): Promise<void> {
		const file = await this.#dir.open(id);
		file.truncate(0);
		file.write(SEGMENT_MAGIC, 0);
		this.#files.set(id, file);
		// Not in the index until a batch in it commits: a crash before that leaves an orphan that open() removes.
		this.#metas.set(id, { id, committed: SEGMENT_HEADER_SIZE, live: 0 });
		this.#active = id;
		this.#writeAt = SEGMENT_HEADER_SIZE;
	}

	/**
	 * Rebuilds the index from the segments alone: every record is checked
	 * against its CID, a segment is cut at its first invalid record (a torn
	 * tail), tombstones remove what they delete.
	 */
	async rebuild(): Promise<void> {
		for (const file of this.#files.values()) file.close();
		this.#files.clear();
		await this.#index.clear();
		const ids = (await this.#dir.list()).sort((a, b) => a - b);
		const entries = new Map<string, IndexEntry>();
		const metas = new Map<number, SegmentMeta>();
		for (const id of ids) {
			const file = await this.#dir.open(id);
			const { records, end, size } = await scanSegment(file);
			if (end === 0) {
				file.close();
				await this.#dir.remove(id);
				continue;
			}
			if (end < size) {
				file.truncate(end);
				file.flush();
			}
			this.#files.set(id, file);
			metas.set(id, { id, committed: end, live: 0 });
			for (const r of records) {
				const key = blockKey(r.cid);
				if (r.tombstone) entries.delete(key);
				else entries.set(key, { key, cid: r.cid.bytes, segment: id, offset: r.offset, length: r.length });
			}
		}
		for (const e of entries.values()) metas.get(e.segment)!.live += recordSize(e.cid.length, e.length);
		await this.#index.apply({ put: [...entries.values()], segments: [...metas.values()] });
		this.#metas = metas;
		await this.#startActive();
	}

	// --- reads -------------------------------------------------------------

	async has(cid: CID, options?: AbortOptions): Promise<boolean> {
		options?.signal?.throwIfAborted();
		return this.#entries.has(blockKey(cid));
	}

	async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
		yield await this.read(cid, options);
	}

	/** The block's bytes, checked against the CID. */
	async read(cid: CID, options?: AbortOptions): Promise<Uint8Array> {
		options?.signal?.throwIfAborted();
		const key = blockKey(cid);
		const entry = this.#entries.get(key);
		const file = entry && this.#files.get(entry.segment);
		if (!entry || !file) throw new NotFoundError(`Block not found: ${cid}`);
		const buf = new Uint8Array(recordSize(entry.cid.length, entry.length));
		const n = file.read(buf, entry.offset);
		const header = decodeRecordHeader(buf);
		const data = buf.subarray(RECORD_HEADER_SIZE + entry.cid.length);
		if (n < buf.length || !header || header.tombstone || header.dataLength !== entry.length || !(await hashesTo(cid, data))) {
			throw new StoredBlockCorruptError(cid.toString());
		}
		return data;
	}

	async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
		for await (const cid of source) {
			options?.signal?.throwIfAborted();
			const bytes = await this.read(cid, options);
			yield { cid, bytes: (async function* () { yield bytes; })() };
		}
	}

	async *getAll(options?: AbortOptions): AsyncGenerator<Pair> {
		options?.signal?.throwIfAborted();
		for (const entry of [...this.#entries.values()]) {
			options?.signal?.throwIfAborted();
			const cid = CID.decode(entry.cid);
			const bytes = await this.read(cid, options);
			yield { cid, bytes: (async function* () { yield bytes; })() };
		}
	}

	/** Every stored CID, as put (for a backup or a listing). */
	async *cids(): AsyncGenerator<CID> {
		for (const entry of [...this.#entries.values()]) yield CID.decode(entry.cid);
	}

	stats(): SegmentStoreStats {
		let bytes = 0;
		let liveBytes = 0;
		for (const m of this.#metas.values()) {
			bytes += m.id === this.#active ? this.#writeAt : m.committed;
			liveBytes += m.live;
		}
		return { segments: this.#metas.size, bytes, liveBytes };
	}

	// --- writes ------------------------------------------------------------

	async put(cid: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
		options?.signal?.throwIfAborted();
		if (!canVerify(cid)) {
			throw new PutFailedError(`Unsupported hash 0x${cid.multihash.code.toString(16)}: this store only keeps blocks it can check (sha2-256, sha2-512, identity).`);
		}
		const bytes = await collect(val);
		if (bytes.length > MAX_BLOCK_BYTES) throw new PutFailedError(`Block of ${bytes.length} bytes is larger than ${MAX_BLOCK_BYTES}.`);
		options?.signal?.throwIfAborted();
		await this.#enqueue({ t: 'put', cid, key: blockKey(cid), bytes });
		return cid;
	}

	async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
		// Keep several puts in flight so they share a flush and an index transaction.
		yield* inOrder(source, (p) => this.put(p.cid, p.bytes, options), options);
	}

	async delete(cid: CID, options?: AbortOptions): Promise<void> {
		options?.signal?.throwIfAborted();
		await this.#enqueue({ t: 'delete', cid, key: blockKey(cid) });
	}

	async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
		yield* inOrder(source, async (cid) => {
			await this.delete(cid, options);
			return cid;
		}, options);
	}

	/** Rewrites segments that are mostly dead space; runs after deletes on its own, callable any time. */
	async compact(): Promise<void> {
		await this.#enqueue({ t: 'compact' });
	}

	/** Waits for queued writes, then closes the files and the index. */
	async close(): Promise<void> {
		await this.#draining;
		this.#closed = true;
		for (const file of this.#files.values()) file.close();
		this.#files.clear();
		this.#index.close();
	}

	#enqueue(op: Op extends infer O ? (O extends Op ? Omit<O, 'resolve' | 'reject'> : never) : never): Promise<void> {
		if (this.#closed) return Promise.reject(new Error('The block store is closed.'));
		return new Promise<void>((resolve, reject) => {
			this.#queue.push({ ...op, resolve, reject } as Op);
			// #drain clears #draining itself in the same tick its loop ends, so no op is left unserved.
			this.#draining ??= this.#drain();
		});
	}

	async #drain(): Promise<void> {
		await Promise.resolve();
		for (;;) {
			if (this.#queue.length === 0) {
				this.#draining = null;
				return;
			}
			if (this.#queue[0].t === 'compact') {
				const op = this.#queue.shift()!;
				await this.#run([op], () => this.#compact());
				continue;
			}
			let n = 0;
			while (n < this.#queue.length && n < this.#maxBatch && this.#queue[n].t !== 'compact') n++;
			const batch = this.#queue.splice(0, n);
			let deleted = false;
			await this.#run(batch, async () => {
				deleted = await this.#writeBatch(batch as Exclude<Op, { t: 'compact' }>[]);
			});
			if (deleted && this.#candidates().length > 0 && !this.#queue.some((op) => op.t === 'compact')) {
				this.#queue.push({ t: 'compact', resolve: () => {}, reject: () => {} });
			}
		}
	}

	/** Runs one unit of writing; on failure, cuts the active segment back and forgets in-memory changes. */
	async #run(ops: Op[], fn: () => Promise<void>): Promise<void> {
		const metas = new Map([...this.#metas].map(([id, m]) => [id, { ...m }]));
		const active = this.#active;
		const writeAt = this.#writeAt;
		try {
			await fn();
			for (const op of ops) op.resolve();
		} catch (err) {
			for (const [id, file] of this.#files) {
				const before = metas.get(id);
				if (!before) {
					file.close();
					this.#files.delete(id);
					await this.#dir.remove(id).catch(() => {});
				} else if (id === active) {
					file.truncate(writeAt);
				}
			}
			this.#metas = metas;
			this.#active = active;
			this.#writeAt = writeAt;
			const failure = err instanceof PutFailedError ? err : Object.assign(new PutFailedError(String(err)), { cause: err });
			for (const op of ops) op.reject(failure);
		}
	}

	/** Appends a batch, flushes, then indexes it in one transaction. Returns whether anything was deleted. */
	async #writeBatch(batch: Exclude<Op, { t: 'compact' }>[]): Promise<boolean> {
		const puts = new Map<string, IndexEntry>();
		const deletes = new Set<string>();
		const changed = new Set<number>();
		for (const op of batch) {
			if (op.t === 'put') {
				if (puts.has(op.key)) continue;
				if (!deletes.has(op.key) && this.#entries.has(op.key)) continue;
				const where = await this.#append(encodeRecordHead(op.cid, op.bytes), changed, op.bytes);
				const entry = { key: op.key, cid: op.cid.bytes, segment: where.segment, offset: where.offset, length: op.bytes.length };
				this.#metas.get(entry.segment)!.live += recordSize(entry.cid.length, entry.length);
				puts.set(op.key, entry);
				deletes.delete(op.key);
			} else {
				const current = puts.get(op.key) ?? (deletes.has(op.key) ? undefined : this.#entries.get(op.key));
				if (!current) continue;
				this.#metas.get(current.segment)!.live -= recordSize(current.cid.length, current.length);
				changed.add(current.segment);
				puts.delete(op.key);
				deletes.add(op.key);
				await this.#append(encodeRecord(op.cid, null), changed);
			}
		}
		if (changed.size === 0) return false;
		this.#commitActive(changed);
		await this.#index.apply({ put: [...puts.values()], delete: [...deletes], segments: [...changed].map((id) => ({ ...this.#metas.get(id)! })) });
		for (const key of deletes) this.#entries.delete(key);
		for (const [key, entry] of puts) this.#entries.set(key, entry);
		return deletes.size > 0;
	}

	/** Appends one record: `record` whole, or its head followed by `body` (a block's data, not copied). */
	async #append(record: Uint8Array, changed: Set<number>, body?: Uint8Array): Promise<{ segment: number; offset: number }> {
		const length = record.length + (body?.length ?? 0);
		if (this.#writeAt + length > this.#segmentBytes && this.#writeAt > SEGMENT_HEADER_SIZE) {
			this.#commitActive(changed);
			await this.#newSegment(this.#active + 1);
		}
		const file = this.#files.get(this.#active)!;
		let written = file.write(record, this.#writeAt);
		if (body && written === record.length) written += file.write(body, this.#writeAt + record.length);
		if (written !== length) throw new PutFailedError(`Short write: ${written} of ${length} bytes.`);
		const offset = this.#writeAt;
		this.#writeAt += length;
		changed.add(this.#active);
		return { segment: this.#active, offset };
	}

	/** Flushes the active segment and moves its committed length up (indexed by the caller). */
	#commitActive(changed: Set<number>): void {
		this.#files.get(this.#active)!.flush();
		this.#metas.get(this.#active)!.committed = this.#writeAt;
		changed.add(this.#active);
	}

	#candidates(): SegmentMeta[] {
		return [...this.#metas.values()].filter((m) => {
			if (m.id === this.#active) return false;
			const dead = m.committed - SEGMENT_HEADER_SIZE - m.live;
			return dead >= this.#minDead && dead >= this.#deadRatio * (m.committed - SEGMENT_HEADER_SIZE);
		});
	}

	/**
	 * Copies the live blocks of mostly-dead segments to the active one, indexes
	 * the new places, then removes the old files. A crash before the index
	 * commit leaves the copies as an uncommitted tail (cut on open); after it,
	 * the old files are orphans (removed on open).
	 */
	async #compact(): Promise<void> {
		const victims = this.#candidates().sort((a, b) => a.id - b.id);
		if (victims.length === 0) return;
		const ids = new Set(victims.map((m) => m.id));
		const live = new Map<string, IndexEntry>();
		for (const e of this.#entries.values()) if (ids.has(e.segment)) live.set(`${e.segment}:${e.offset}`, e);
		const changed = new Set<number>();
		const moved: IndexEntry[] = [];
		for (const meta of victims) {
			// A tombstone must survive while an older segment may still hold the deleted block.
			const olderRemain = [...this.#metas.keys()].some((id) => id < meta.id && !ids.has(id));
			const file = this.#files.get(meta.id)!;
			for (const r of walkRecords(file, meta.committed)) {
				if (r.tombstone) {
					if (!olderRemain || this.#entries.has(blockKey(r.cid))) continue;
					await this.#append(encodeRecord(r.cid, null), changed);
					continue;
				}
				const entry = live.get(`${meta.id}:${r.offset}`);
				if (!entry) continue;
				const buf = new Uint8Array(recordSize(r.cidLength, r.length));
				file.read(buf, r.offset);
				const where = await this.#append(buf, changed);
				this.#metas.get(where.segment)!.live += buf.length;
				moved.push({ ...entry, segment: where.segment, offset: where.offset });
			}
		}
		this.#commitActive(changed);
		for (const id of ids) changed.delete(id);
		// Durable before the old files go: they must not be needed by an index that reverts.
		await this.#index.apply({ put: moved, segments: [...changed].map((id) => ({ ...this.#metas.get(id)! })), removeSegments: [...ids] }, { durable: true });
		for (const e of moved) this.#entries.set(e.key, e);
		for (const id of ids) {
			this.#files.get(id)?.close();
			this.#files.delete(id);
			this.#metas.delete(id);
			await this.#dir.remove(id);
		}
	}
}

/** The records of a committed region, headers only (trusted: this region was checked when written). */
function* walkRecords(file: SegmentFile, end: number): Generator<{ cid: CID; offset: number; length: number; cidLength: number; tombstone: boolean }> {
	const head = new Uint8Array(RECORD_HEADER_SIZE + 256);
	let at = SEGMENT_HEADER_SIZE;
	while (at + RECORD_HEADER_SIZE <= end) {
		file.read(head, at);
		const header = decodeRecordHeader(head);
		const cid = header && decodeCid(head.subarray(RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + header.cidLength));
		if (!header || !cid) return;
		yield { cid, offset: at, length: header.dataLength, cidLength: header.cidLength, tombstone: header.tombstone };
		at += recordSize(header.cidLength, header.dataLength);
	}
}

export async function collect(val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	if (val instanceof Uint8Array) return val;
	const parts: Uint8Array[] = [];
	for await (const part of val) parts.push(part);
	return parts.length === 1 ? parts[0] : concatBytes(...parts);
}

/** Maps `source` through `fn` with up to 16 calls in flight, yielding results in order. */
export async function* inOrder<T, R>(source: Iterable<T> | AsyncIterable<T>, fn: (item: T) => Promise<R>, options?: AbortOptions): AsyncGenerator<R> {
	options?.signal?.throwIfAborted();
	const inflight: Promise<R>[] = [];
	try {
		for await (const item of source) {
			options?.signal?.throwIfAborted();
			inflight.push(fn(item));
			if (inflight.length >= 16) yield await inflight.shift()!;
		}
		while (inflight.length > 0) yield await inflight.shift()!;
	} finally {
		// Never leave a rejection unobserved when the consumer stops early.
		for (const p of inflight) p.catch(() => {});
	}
}

