import { errorChain, type SourceAttempt } from '../errors';
import { unixfs } from '@helia/unixfs';
import { CID } from 'multiformats/cid';
import type { Pins } from '@helia/interface';
import type { Blockstore } from 'interface-blockstore';
import type { BlobStore, EncryptedFileOptions } from '../vault/ports';
import { BlobNotFoundError, BlobWriteError, InvalidCidError, UnpinNotPossibleError } from './errors';
import type { RemotePinResult } from './remotePin';
import { IMPORT_OPTIONS, importByteStream } from './unixfsImport';
import { concatBytes } from '../crypto/encoding';
import * as dagPb from '@ipld/dag-pb';
import * as raw from 'multiformats/codecs/raw';

export interface BlobStoreHelia {
	blockstore: Pick<Blockstore, 'get' | 'put' | 'has'> & Partial<Pick<Blockstore, 'delete'>>;
	pins: Pick<Pins, 'add'> & Partial<Pick<Pins, 'rm' | 'isPinned'>>;
}

export interface PinReport {
	cid: string;
	/** `already-pinned` is success too: pins are idempotent for callers. */
	local: 'pinned' | 'already-pinned';
	/** One entry per connected peer asked to keep a copy; empty when offline. */
	remote: RemotePinResult[];
}

export interface CreateBlobStoreOptions {
	/**
	 * How long a read or a local pin may go without receiving a block before
	 * the blob counts as not found. It is an idle limit, not a total, so a
	 * large blob that keeps arriving is never cut off.
	 * @default 30_000
	 */
	timeoutMs?: number;
	/** Asks other nodes to keep a copy after the local pin (see remotePin.ts). */
	remotePin?: (cid: CID, options: { signal?: AbortSignal; unpinTag?: string }) => Promise<RemotePinResult[]>;
	/**
	 * Deletes a block from the store under Helia. Helia's own delete also
	 * stops re-providing it, which a node without content routing (ours: no
	 * DHT) refuses; without this option that one is used.
	 */
	deleteBlock?: (cid: CID, options: { signal?: AbortSignal }) => Promise<void>;
	/** Asks the peers that pinned `cid` with the tag of `secret` to unpin it (see remotePin.ts UNPIN_PROTOCOL). */
	remoteUnpin?: (cid: CID, secret: string, options: { signal?: AbortSignal }) => Promise<RemotePinResult[]>;
	/** Receives each pin's outcome, so the UI can say whether a copy left this device. */
	onPinReport?: (report: PinReport) => void;
	/** Where blocks were looked for and what each source answered, put into BlobNotFoundError. */
	attempts?: (cid: string) => SourceAttempt[];
	/**
	 * Encrypts a file and stores its ciphertext off the page's thread, where
	 * the block store can (the OPFS segment store: segments/importEncrypted.ts).
	 * Offered to callers as `addEncryptedFile`.
	 */
	importEncrypted?: (file: Blob, options: EncryptedFileOptions) => Promise<CID>;
	/**
	 * The local blockstore under Helia. Reading a record tries it first: Helia's
	 * networked store asks `has` before every `get` and dispatches events, which
	 * cost as much as a third of an open's time on the page's thread
	 * (bench/README.md). Blocks it does not hold come through Helia as before.
	 */
	localBlocks?: Pick<Blockstore, 'get'>;
}

export interface IpfsBlobStore extends BlobStore {
	/** Same as `pin`, returning where the blob is now kept. */
	pinWithReport(cid: string, options?: { signal?: AbortSignal }): Promise<PinReport>;
}

/**
 * The BlobStore port over Helia: UnixFS files with CIDv1 and raw leaves.
 * Throws InvalidCidError for malformed CIDs and BlobNotFoundError when the
 * blocks are neither local nor delivered by a peer within the idle timeout or
 * the caller's own time limit (a signal aborted with a TimeoutError); aborting
 * the caller's signal otherwise rejects with the signal's reason.
 */
export function createBlobStore(helia: BlobStoreHelia, options: CreateBlobStoreOptions = {}): IpfsBlobStore {
	const fs = unixfs(helia);
	const timeoutMs = options.timeoutMs ?? 30_000;

	async function* cat(cid: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
		const parsed = parseCid(cid);
		const idle = idleSignal(timeoutMs, opts.signal);
		try {
			const blocks = options.localBlocks ? localFirst(options.localBlocks, helia.blockstore) : helia.blockstore;
			const source = parsed.code === raw.code || parsed.code === dagPb.code ? leavesInOrder(blocks, parsed, { signal: idle.signal, onBlock: () => idle.touch() }) : fs.cat(parsed, { signal: idle.signal });
			for await (const chunk of source) {
				// The consumer's own processing time must not count as waiting for the network.
				idle.pause();
				yield chunk;
				idle.touch();
			}
		} catch (err) {
			throw translate(err, cid, idle, opts.signal, options.attempts);
		} finally {
			idle.clear();
		}
	}

	async function pinWithReport(cid: string, opts: { signal?: AbortSignal; unpinTag?: string } = {}): Promise<PinReport> {
		const parsed = parseCid(cid);
		let local: PinReport['local'] = 'pinned';
		const idle = idleSignal(timeoutMs, opts.signal);
		try {
			// pins.add is a generator: nothing is fetched or recorded until it is drained.
			for await (const _ of helia.pins.add(parsed, { signal: idle.signal, onProgress: () => idle.touch() }))
				idle.touch();
		} catch (err) {
			if (errorName(err) === 'AlreadyPinnedError') local = 'already-pinned';
			else throw translate(err, cid, idle, opts.signal, options.attempts);
		} finally {
			idle.clear();
		}
		const remote = options.remotePin ? await options.remotePin(parsed, { signal: opts.signal, ...(opts.unpinTag ? { unpinTag: opts.unpinTag } : {}) }) : [];
		const report: PinReport = { cid: parsed.toString(), local, remote };
		options.onPinReport?.(report);
		return report;
	}

	return {
		async addStream(source, opts = {}) {
			try {
				return (await importByteStream(helia.blockstore, source, opts.signal)).toString();
			} catch (err) {
				throw translateWrite(err);
			}
		},
		async addBytes(bytes, opts = {}) {
			try {
				const cid = await fs.addBytes(bytes, { ...IMPORT_OPTIONS, signal: opts.signal });
				return cid.toString();
			} catch (err) {
				throw translateWrite(err);
			}
		},
		addEncryptedFile: options.importEncrypted
			? async (file, opts) => {
					try {
						return (await options.importEncrypted!(file, opts)).toString();
					} catch (err) {
						throw translateWrite(err);
					}
				}
			: undefined,
		cat,
		async getBytes(cid, opts = {}) {
			const chunks: Uint8Array[] = [];
			for await (const chunk of cat(cid, opts)) chunks.push(chunk);
			return chunks.length === 1 ? chunks[0] : concatBytes(...chunks);
		},
		async pin(cid, opts) {
			await pinWithReport(cid, opts);
		},
		pinWithReport,
		async unpinBlock(cid, opts) {
			const parsed = parseCid(cid);
			// Only a single raw block: deleting the blocks of a larger DAG could take ones another blob shares.
			if (parsed.code !== raw.code) throw new UnpinNotPossibleError('only a single-block file (a SMART Health Link’s) can be unpinned');
			const pins = helia.pins;
			const store = helia.blockstore;
			const remove = options.deleteBlock ?? (store.delete ? (c: CID, o: { signal?: AbortSignal }) => store.delete!(c, o) : undefined);
			if (!pins.rm || !pins.isPinned || !remove) throw new UnpinNotPossibleError('this device’s block store cannot remove blocks');
			const had = await helia.blockstore.has(parsed);
			try {
				for await (const _ of pins.rm(parsed, { signal: opts.signal }));
			} catch (err) {
				// Not pinned (any more) is what we want.
				if (errorName(err) !== 'NotFoundError') throw err;
			}
			if (had && !(await pins.isPinned(parsed))) await remove(parsed, { signal: opts.signal });
			const remote = options.remoteUnpin ? await options.remoteUnpin(parsed, opts.secret, { signal: opts.signal }) : [];
			return { local: had ? 'removed' : 'absent', remote };
		}
	};
}

/** Reads from `local`, and through `networked` (Helia: peers, gateways) what `local` does not hold. */
function localFirst(local: Pick<Blockstore, 'get'>, networked: Pick<Blockstore, 'get'>): Pick<Blockstore, 'get'> {
	return {
		async *get(cid, options) {
			let parts: Uint8Array[];
			try {
				parts = [];
				for await (const part of local.get(cid, options)) parts.push(part);
			} catch (err) {
				if (errorName(err) !== 'NotFoundError') throw err;
				yield* networked.get(cid, options);
				return;
			}
			yield* parts;
		}
	};
}

/** Leaf blocks fetched ahead of the reader; bounds what a slow reader (a disk write) makes us hold. */
const READ_AHEAD_BLOCKS = 4;

/**
 * The bytes of a UnixFS file made by our importer (raw leaves under dag-pb
 * nodes that carry no data of their own), leaf by leaf, at most
 * READ_AHEAD_BLOCKS ahead of the reader. @helia/unixfs's cat reads every
 * block into an unbounded queue as fast as the store gives them, so a reader
 * slower than the store (decrypting into a file on disk) ends up holding the
 * whole file: 1.1 GiB of heap for a 1 GiB record (bench/README.md).
 */
async function* leavesInOrder(
	blockstore: Pick<Blockstore, 'get'>,
	root: CID,
	options: { signal: AbortSignal; onBlock(): void }
): AsyncGenerator<Uint8Array> {
	const read = async (cid: CID): Promise<Uint8Array> => {
		const parts: Uint8Array[] = [];
		for await (const part of blockstore.get(cid, { signal: options.signal })) parts.push(part);
		options.onBlock();
		return parts.length === 1 ? parts[0] : concatBytes(...parts);
	};
	async function* leaves(cid: CID): AsyncGenerator<CID> {
		if (cid.code === raw.code) {
			yield cid;
			return;
		}
		if (cid.code !== dagPb.code) throw new InvalidCidError(cid.toString());
		const node = dagPb.decode(await read(cid));
		if (node.Data && node.Links.length === 0) throw new InvalidCidError(cid.toString(), { cause: new Error('dag-pb leaf: not made by this app') });
		for (const link of node.Links) yield* leaves(link.Hash);
	}
	const window: Array<Promise<Uint8Array>> = [];
	try {
		for await (const leaf of leaves(root)) {
			const next = read(leaf);
			// Observed in order below; this only keeps a prefetch that is never reached from being unhandled.
			next.catch(() => {});
			window.push(next);
			if (window.length > READ_AHEAD_BLOCKS) yield await window.shift()!;
		}
		while (window.length > 0) yield await window.shift()!;
	} finally {
		window.length = 0;
	}
}

/** Parses a CID string; throws InvalidCidError. */
export function parseCid(cid: string): CID {
	try {
		return CID.parse(cid);
	} catch (err) {
		throw new InvalidCidError(cid, { cause: err });
	}
}

interface IdleSignal {
	signal: AbortSignal;
	timedOut(): boolean;
	touch(): void;
	pause(): void;
	clear(): void;
}

function idleSignal(timeoutMs: number, outer?: AbortSignal): IdleSignal {
	const controller = new AbortController();
	let timer: ReturnType<typeof setTimeout> | undefined;
	let timedOut = false;
	const pause = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
	};
	const touch = () => {
		pause();
		timer = setTimeout(() => {
			timedOut = true;
			controller.abort(new DOMException('no block arrived in time', 'TimeoutError'));
		}, timeoutMs);
	};
	touch();
	return {
		signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
		timedOut: () => timedOut,
		touch,
		pause,
		clear: pause
	};
}

/**
 * Helia reports a missing block in several ways depending on configuration:
 * no block broker at all (offline node), offline mode, every broker failing,
 * or our idle timer aborting the wait.
 */
const NOT_FOUND_NAMES = new Set([
	'InvalidConfigurationError',
	'BlockNotFoundWhileOfflineError',
	'LoadBlockFailedError',
	'NotFoundError',
	'InsufficientProvidersError',
	'NoRoutersAvailableError'
]);

function translate(err: unknown, cid: string, idle: IdleSignal, outer?: AbortSignal, attempts?: (cid: string) => SourceAttempt[]): unknown {
	if (outer?.aborted) {
		// A caller's time limit (AbortSignal.timeout) ran out: for the person that is "not found in time", with the sources named.
		if (errorName(outer.reason) === 'TimeoutError' || (outer.reason instanceof DOMException && outer.reason.name === 'TimeoutError'))
			return new BlobNotFoundError(cid, { cause: outer.reason, attempts: attempts?.(cid) });
		return outer.reason ?? err;
	}
	const name = errorName(err);
	if (idle.timedOut() || (name !== undefined && NOT_FOUND_NAMES.has(name))) return new BlobNotFoundError(cid, { cause: err, attempts: attempts?.(cid) });
	return err;
}

/**
 * A failed block write (the blockstore's PutFailedError, whatever storage is
 * underneath) becomes BlobWriteError, told apart when the browser says it is
 * out of space. Errors from the source (a file that cannot be read, a cipher
 * failure) and aborts pass through unchanged.
 */
function translateWrite(err: unknown): unknown {
	const chain = errorChain(err, ['cause']);
	if (!chain.some((e) => errorName(e) === 'PutFailedError')) return err;
	const quota = chain.some((e) => errorName(e) === 'QuotaExceededError' || (e instanceof Error && /QuotaExceeded/.test(e.message)));
	return new BlobWriteError(quota, { cause: err });
}

function errorName(err: unknown): string | undefined {
	return err instanceof Error ? err.name : undefined;
}
