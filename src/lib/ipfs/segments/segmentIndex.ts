/**
 * The segment blockstore's index, CID -> where its record is, kept in
 * IndexedDB (the worker has IndexedDB; node tests use fake-indexeddb). Every
 * change is one transaction, so the index never points at a record whose
 * batch was not flushed first.
 */
import { openDB, type IDBPDatabase } from 'idb';

export interface IndexEntry {
	/** `blockKey(cid)`. */
	key: string;
	/** The CID as it was put, so getAll gives back the same CID. */
	cid: Uint8Array;
	segment: number;
	/** Offset of the record in the segment. */
	offset: number;
	/** Bytes of the block. */
	length: number;
}

export interface SegmentMeta {
	id: number;
	/** Bytes of the file that hold flushed, indexed records; after it, open() re-checks each record. */
	committed: number;
	/** Bytes of records that live index entries point at. */
	live: number;
}

export interface IndexChange {
	put?: IndexEntry[];
	delete?: string[];
	segments?: SegmentMeta[];
	removeSegments?: number[];
}

export interface SegmentIndex {
	get(key: string): Promise<IndexEntry | undefined>;
	/** Applies the whole change or none of it. */
	apply(change: IndexChange, options?: { durable?: boolean }): Promise<void>;
	entries(): AsyncGenerator<IndexEntry>;
	segments(): Promise<SegmentMeta[]>;
	clear(): Promise<void>;
	close(): void;
}

const BLOCKS = 'blocks';
const SEGMENTS = 'segments';

/** The index in an IndexedDB database of its own. */
export async function openIdbSegmentIndex(name: string): Promise<SegmentIndex> {
	const db: IDBPDatabase = await openDB(name, 1, {
		upgrade(db) {
			db.createObjectStore(BLOCKS, { keyPath: 'key' });
			db.createObjectStore(SEGMENTS, { keyPath: 'id' });
		}
	});
	return {
		get: (key) => db.get(BLOCKS, key),
		async apply(change, options) {
			// Relaxed by default: the segments are flushed first, and open() re-indexes any flushed
			// tail the index lost, so most commits need no fsync of their own.
			const tx = db.transaction([BLOCKS, SEGMENTS], 'readwrite', { durability: options?.durable ? 'strict' : 'relaxed' });
			const blocks = tx.objectStore(BLOCKS);
			const segments = tx.objectStore(SEGMENTS);
			for (const key of change.delete ?? []) void blocks.delete(key).catch(() => {});
			for (const entry of change.put ?? []) void blocks.put(entry).catch(() => {});
			for (const id of change.removeSegments ?? []) void segments.delete(id).catch(() => {});
			for (const meta of change.segments ?? []) void segments.put(meta).catch(() => {});
			await tx.done;
		},
		async *entries() {
			// Page through keys so no transaction is held open while the caller works.
			let after: string | undefined;
			for (;;) {
				const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
				const page = await db.getAll(BLOCKS, range, 256);
				if (page.length === 0) return;
				yield* page as IndexEntry[];
				after = (page.at(-1) as IndexEntry).key;
			}
		},
		segments: () => db.getAll(SEGMENTS),
		async clear() {
			const tx = db.transaction([BLOCKS, SEGMENTS], 'readwrite');
			await Promise.all([tx.objectStore(BLOCKS).clear(), tx.objectStore(SEGMENTS).clear(), tx.done]);
		},
		close: () => db.close()
	};
}
