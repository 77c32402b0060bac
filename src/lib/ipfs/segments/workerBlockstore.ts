/**
 * The page's side of the segment blockstore: an `interface-blockstore` whose
 * every call goes to the segment worker (segment.worker.ts), which owns the
 * OPFS files and the index. Bytes are copied to the worker (the caller may
 * reuse its buffer) and transferred back.
 */
import type { Blockstore, InputPair, Pair } from 'interface-blockstore';
import { DeleteFailedError, NotFoundError, PutFailedError } from 'interface-store';
import { CID } from 'multiformats/cid';
import { CarevaultError } from '../../errors';
import { StoredBlockCorruptError } from './errors';
import { collect, inOrder, type SegmentStoreStats } from './segmentStore';

type AbortOptions = { signal?: AbortSignal };

export type WorkerRequest = { id: number } & (
	| { op: 'open'; name: string }
	| { op: 'put'; cid: Uint8Array; bytes: Uint8Array }
	| { op: 'get' | 'has' | 'delete'; cid: Uint8Array }
	| { op: 'cids' | 'stats' | 'compact' | 'close' }
	| { op: 'import'; cipher: MessagePort; file: Blob; key: Uint8Array; ad: Uint8Array; chunkSize?: number }
	| { op: 'abort'; target: number }
);
export type WorkerReply = { id: number; value?: unknown; progress?: number; error?: { name: string; message: string } };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The segment store cannot run here; the caller falls back to the IndexedDB blockstore. */
export class SegmentStoreUnavailableError extends CarevaultError {
	override name = 'SegmentStoreUnavailableError' as const;
	readonly reason: string;
	constructor(reason: string) {
		super('The fast file store is not available in this browser; records are kept in IndexedDB instead.', { details: reason });
		this.reason = reason;
	}
}

export class WorkerBlockstore implements Blockstore {
	readonly #name: string;
	readonly #makeWorker: () => Worker;
	#worker: Worker | null = null;
	#next = 0;
	readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; progress?(done: number): void }>();

	/** `name`: the OPFS directory of the segments (the index is `${name}-index` in IndexedDB). */
	constructor(name: string, makeWorker?: () => Worker) {
		this.#name = name;
		this.#makeWorker = makeWorker ?? (() => new Worker(new URL('./segment.worker.ts', import.meta.url), { type: 'module' }));
	}

	/** Starts the worker and opens the store; throws SegmentStoreUnavailableError when it cannot run here. */
	async open(): Promise<void> {
		if (typeof Worker === 'undefined') throw new SegmentStoreUnavailableError('this browser has no Web Workers');
		const worker = this.#makeWorker();
		this.#worker = worker;
		worker.onmessage = (e: MessageEvent<WorkerReply>) => {
			const p = this.#pending.get(e.data.id);
			if (!p) return;
			if (e.data.progress !== undefined) {
				p.progress?.(e.data.progress);
				return;
			}
			this.#pending.delete(e.data.id);
			if (e.data.error) p.reject(toError(e.data.error));
			else p.resolve(e.data.value);
		};
		worker.onerror = (e) => {
			e.preventDefault();
			const err = new SegmentStoreUnavailableError(`the storage worker stopped: ${e.message || 'it could not be loaded'}`);
			for (const p of this.#pending.values()) p.reject(err);
			this.#pending.clear();
		};
		let result: { ok?: true; unavailable?: string };
		try {
			result = (await this.#call({ op: 'open', name: this.#name })) as typeof result;
		} catch (err) {
			this.#stop();
			throw err instanceof SegmentStoreUnavailableError ? err : new SegmentStoreUnavailableError(String(err));
		}
		if (result.unavailable) {
			this.#stop();
			throw new SegmentStoreUnavailableError(result.unavailable);
		}
	}

	async close(): Promise<void> {
		if (!this.#worker) return;
		await this.#call({ op: 'close' }).catch(() => {});
		this.#stop();
	}

	#stop() {
		this.#worker?.terminate();
		this.#worker = null;
	}

	#call(req: DistributiveOmit<WorkerRequest, 'id'>, transfer: Transferable[] = [], progress?: (done: number) => void, onId?: (id: number) => void): Promise<unknown> {
		const worker = this.#worker;
		if (!worker) return Promise.reject(new Error('The block store is not open.'));
		const id = this.#next++;
		onId?.(id);
		return new Promise((resolve, reject) => {
			this.#pending.set(id, { resolve, reject, progress });
			worker.postMessage({ ...req, id }, transfer);
		});
	}

	/**
	 * Encrypts `file` and stores its ciphertext as one UnixFS file, the whole
	 * add inside the workers: a cipher worker (lib/workers) sends ciphertext
	 * straight to the segment worker over a MessageChannel, which runs the
	 * importer and appends the blocks (segments/importEncrypted.ts). The same
	 * CID as `addStream` of `encryptStream(file)`. Aborting `signal` stops
	 * both workers; blocks already written stay unpinned, like any cancelled add.
	 */
	async importEncrypted(
		file: Blob,
		options: { key: Uint8Array; ad: Uint8Array; chunkSize?: number; onProgress?(done: number): void; signal?: AbortSignal },
		makeCipherWorker: () => Worker = () => new Worker(new URL('../../workers/encrypt.worker.ts', import.meta.url), { type: 'module' })
	): Promise<CID> {
		options.signal?.throwIfAborted();
		const cipher = makeCipherWorker();
		const channel = new MessageChannel();
		let id = -1;
		const abort = () => this.#worker?.postMessage({ op: 'abort', target: id, id: this.#next++ } satisfies WorkerRequest);
		options.signal?.addEventListener('abort', abort);
		const failed = new Promise<never>((_, reject) => {
			cipher.addEventListener('error', (event) => {
				event.preventDefault();
				reject(Object.assign(new Error(`The encryption worker stopped: ${event.message || 'it could not be loaded'}`), { name: 'EncryptionWorkerError' }));
				abort();
			});
		});
		failed.catch(() => {});
		try {
			cipher.postMessage({ t: 'connect', port: channel.port1 }, [channel.port1]);
			const request = this.#call(
				{ op: 'import', cipher: channel.port2, file, key: options.key.slice(), ad: options.ad, chunkSize: options.chunkSize },
				[channel.port2],
				options.onProgress,
				(n) => (id = n)
			);
			const bytes = (await Promise.race([request, failed])) as Uint8Array;
			return CID.decode(bytes);
		} catch (err) {
			// The worker reports the abort as its own AbortError; the caller expects the signal's reason.
			if (options.signal?.aborted) throw options.signal.reason;
			throw err;
		} finally {
			options.signal?.removeEventListener('abort', abort);
			cipher.terminate();
		}
	}

	async put(cid: CID, val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
		options?.signal?.throwIfAborted();
		const bytes = await collect(val);
		await this.#call({ op: 'put', cid: own(cid.bytes), bytes: own(bytes) });
		return cid;
	}

	async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
		yield* inOrder(source, (p) => this.put(p.cid, p.bytes, options), options);
	}

	/** The block's bytes, checked against its CID by the worker. */
	async read(cid: CID, options?: AbortOptions): Promise<Uint8Array> {
		options?.signal?.throwIfAborted();
		return (await this.#call({ op: 'get', cid: own(cid.bytes) })) as Uint8Array;
	}

	async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
		yield await this.read(cid, options);
	}

	async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
		for await (const cid of source) {
			const bytes = await this.read(cid, options);
			yield { cid, bytes: (async function* () { yield bytes; })() };
		}
	}

	async *getAll(options?: AbortOptions): AsyncGenerator<Pair> {
		options?.signal?.throwIfAborted();
		for (const raw of (await this.#call({ op: 'cids' })) as Uint8Array[]) {
			const cid = CID.decode(raw);
			const bytes = await this.read(cid, options);
			yield { cid, bytes: (async function* () { yield bytes; })() };
		}
	}

	async has(cid: CID, options?: AbortOptions): Promise<boolean> {
		options?.signal?.throwIfAborted();
		return (await this.#call({ op: 'has', cid: own(cid.bytes) })) as boolean;
	}

	async delete(cid: CID, options?: AbortOptions): Promise<void> {
		options?.signal?.throwIfAborted();
		await this.#call({ op: 'delete', cid: own(cid.bytes) });
	}

	async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
		yield* inOrder(source, async (cid) => {
			await this.delete(cid, options);
			return cid;
		}, options);
	}

	stats(): Promise<SegmentStoreStats> {
		return this.#call({ op: 'stats' }) as Promise<SegmentStoreStats>;
	}

	async compact(): Promise<void> {
		await this.#call({ op: 'compact' });
	}
}

/**
 * The bytes in a buffer of their own. Posting a view clones its whole
 * ArrayBuffer: a CID decoded from a dag-pb node is a view into that node's
 * block, so every `get` of a leaf would copy the parent block to the worker.
 */
function own(bytes: Uint8Array): Uint8Array {
	return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function toError({ name, message }: { name: string; message: string }): Error {
	if (name === 'NotFoundError') return new NotFoundError(message);
	if (name === 'PutFailedError') return new PutFailedError(message);
	if (name === 'DeleteFailedError') return new DeleteFailedError(message);
	if (name === 'StoredBlockCorruptError') return new StoredBlockCorruptError(message.replace(/^[\s\S]*cid: /, ''));
	return Object.assign(new Error(message), { name });
}
