/**
 * The BackupBlocks port over a Helia blockstore: CARv1 files written and read
 * as streams with @ipld/car. Every block read from a file is hashed and
 * compared with its CID before it counts; every DAG must be complete.
 */
import { CarBlockIterator, CarWriter } from '@ipld/car';
import * as dagPb from '@ipld/dag-pb';
import type { Pins } from '@helia/interface';
import type { Blockstore } from 'interface-blockstore';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import { concatBytes, bytesEqual } from '../crypto/encoding';
import {
	BackupCorruptError,
	BackupSourceMissingError,
	BackupTruncatedError,
	BackupUnreadableError,
	BackupWriteError
} from '../vault/backup/errors';
import type { BackupBlocks, BackupProgress, ByteSink, CarScan } from '../vault/backup/ports';

export interface CarBackupHelia {
	blockstore: Pick<Blockstore, 'get' | 'put' | 'has'>;
	pins: Pick<Pins, 'add'>;
}

export interface CreateCarBackupOptions {
	/** How long a block missing here may take to arrive from a peer while exporting. @default 30_000 */
	blockTimeoutMs?: number;
	/** Block writes in flight while storing an import (bounds memory to about this many blocks). @default 8 */
	writeConcurrency?: number;
}

/** CARv1 backup and restore over `helia`'s blockstore and pins. */
export function createCarBackup(helia: CarBackupHelia, options: CreateCarBackupOptions = {}): BackupBlocks {
	const blockTimeoutMs = options.blockTimeoutMs ?? 30_000;
	const writeConcurrency = options.writeConcurrency ?? 8;

	async function readBlock(cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
		const timeout = AbortSignal.timeout(blockTimeoutMs);
		try {
			const parts: Uint8Array[] = [];
			for await (const part of helia.blockstore.get(cid, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout })) parts.push(part);
			return parts.length === 1 ? parts[0] : concatBytes(...parts);
		} catch (err) {
			signal?.throwIfAborted();
			throw new BackupSourceMissingError(cid.toString(), { cause: err });
		}
	}

	return {
		async writeCar({ roots, description }, sink, opts = {}) {
			const { signal } = opts;
			const descriptionCid = CID.createV1(raw.code, await sha256.digest(description));
			const rootCids = roots.map(parseRoot);
			const { writer, out } = CarWriter.create([descriptionCid, ...rootCids]);
			const progress: BackupProgress = { bytes: 0, total: opts.total ?? 0, blocks: 0 };

			// The writer's put resolves once the reader took the bytes: the pump is the backpressure.
			let pumpError: unknown;
			const pump = (async () => {
				try {
					for await (const chunk of out) await sink.write(chunk);
				} catch (err) {
					pumpError = err;
					throw new BackupWriteError({ cause: err });
				}
			})();
			const failed = pump.then(() => new Promise<never>(() => {}));
			failed.catch(() => {});
			const put = async (cid: CID, bytes: Uint8Array) => {
				signal?.throwIfAborted();
				await Promise.race([writer.put({ cid, bytes }), failed]);
				progress.blocks += 1;
				progress.bytes += bytes.length;
				opts.onProgress?.({ ...progress });
			};

			try {
				await put(descriptionCid, description);
				const seen = new Set<string>([descriptionCid.toString()]);
				for (const root of rootCids) {
					// Depth-first, leaves in file order; each block once even when DAGs share it.
					const stack: CID[] = [root];
					while (stack.length > 0) {
						const cid = stack.pop()!;
						const key = cid.toString();
						if (seen.has(key) || cid.multihash.code === identity.code) continue;
						seen.add(key);
						const bytes = await readBlock(cid, signal);
						await put(cid, bytes);
						const links = linksOf(cid, bytes);
						for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]);
					}
				}
				await Promise.race([writer.close(), failed]);
				await pump;
			} catch (err) {
				// Stop the pump: the sink is aborted by the caller.
				void writer.close().catch(() => {});
				if (pumpError !== undefined) throw new BackupWriteError({ cause: pumpError });
				throw err;
			}
			return { blocks: progress.blocks, bytes: progress.bytes };
		},

		async scanCar(source, opts = {}) {
			const seen = new Set<string>();
			const needed = new Set<string>();
			let description: Uint8Array | null = null;
			let firstRoot: string | undefined;
			const { roots, progress } = await readCar(source, opts, async (cid, bytes, rootList) => {
				firstRoot ??= rootList[0];
				const key = cid.toString();
				seen.add(key);
				needed.delete(key);
				if (key === firstRoot && cid.code === raw.code) description = bytes;
				for (const link of linksOf(cid, bytes)) {
					const k = link.toString();
					if (!seen.has(k) && link.multihash.code !== identity.code) needed.add(k);
				}
			});
			const missing = [...needed, ...roots.filter((r) => !seen.has(r) && CID.parse(r).multihash.code !== identity.code)];
			if (missing.length > 0) throw new BackupTruncatedError({ details: `${missing.length} block(s) missing, e.g. ${missing[0]}` });
			const scan: CarScan = { roots, description, blocks: progress.blocks, bytes: progress.bytes };
			return scan;
		},

		async storeCar(source, opts = {}) {
			const inFlight = new Set<Promise<void>>();
			let failure: unknown;
			const { roots, progress } = await readCar(source, opts, async (cid, bytes) => {
				if (failure !== undefined) throw failure;
				const p = (async () => {
					await helia.blockstore.put(cid, bytes, { signal: opts.signal });
				})()
					.catch((err) => {
						failure ??= err;
					})
					.finally(() => inFlight.delete(p));
				inFlight.add(p);
				if (inFlight.size >= writeConcurrency) await Promise.race(inFlight);
			});
			await Promise.all(inFlight);
			if (failure !== undefined) throw failure;
			// Pinned so that a later garbage collection keeps them; every block is local, nothing is fetched.
			for (const root of roots) {
				try {
					for await (const _ of helia.pins.add(CID.parse(root), { signal: opts.signal }));
				} catch (err) {
					if (!(err instanceof Error && err.name === 'AlreadyPinnedError')) throw err;
				}
			}
			return { blocks: progress.blocks, bytes: progress.bytes };
		}
	};
}

function parseRoot(cid: string): CID {
	try {
		return CID.parse(cid);
	} catch (cause) {
		throw new BackupCorruptError({ cause, details: `bad root ${cid}` });
	}
}

/** The CIDs a block links to; throws BackupCorruptError for a block that does not decode or a codec a vault never uses. */
function linksOf(cid: CID, bytes: Uint8Array): CID[] {
	if (cid.code === raw.code) return [];
	if (cid.code === dagPb.code) {
		try {
			return dagPb.decode(bytes).Links.map((l) => l.Hash);
		} catch (cause) {
			throw new BackupCorruptError({ cause, details: `block ${cid} does not decode as dag-pb` });
		}
	}
	throw new BackupCorruptError({ details: `block ${cid} has codec 0x${cid.code.toString(16)}, which a vault never uses` });
}

/** Checks a block's bytes against its CID (sha2-256 only: the only hash our importer makes). */
async function verify(cid: CID, bytes: Uint8Array): Promise<void> {
	if (cid.multihash.code === identity.code) {
		if (!bytesEqual(cid.multihash.digest, bytes)) throw new BackupCorruptError({ details: `inline block ${cid} does not match` });
		return;
	}
	if (cid.multihash.code !== sha256.code) throw new BackupCorruptError({ details: `block ${cid} uses hash 0x${cid.multihash.code.toString(16)}` });
	const digest = await sha256.digest(bytes);
	if (!bytesEqual(digest.digest, cid.multihash.digest)) throw new BackupCorruptError({ details: `block ${cid} does not hash to its CID` });
}

/**
 * Iterates a CAR's blocks, each verified before `onBlock` sees it. A file
 * that ends mid-block is truncated; any other parse failure means the file
 * is not a CAR (header) or was damaged (later).
 */
async function readCar(
	source: AsyncIterable<Uint8Array>,
	opts: { signal?: AbortSignal; total?: number; onProgress?: (p: BackupProgress) => void },
	onBlock: (cid: CID, bytes: Uint8Array, roots: string[]) => Promise<void>
): Promise<{ roots: string[]; progress: BackupProgress }> {
	const progress: BackupProgress = { bytes: 0, total: opts.total ?? 0, blocks: 0 };
	let iterator: CarBlockIterator;
	let roots: string[];
	try {
		iterator = await CarBlockIterator.fromIterable(source);
		roots = (await iterator.getRoots()).map((r) => r.toString());
	} catch (cause) {
		opts.signal?.throwIfAborted();
		// Any file's first byte reads as a header length, so a short text file "ends early" too: not a CAR.
		throw new BackupUnreadableError({ cause });
	}
	if (roots.length === 0) throw new BackupUnreadableError({ details: 'the CAR names no roots' });
	try {
		for await (const { cid, bytes } of iterator) {
			opts.signal?.throwIfAborted();
			await verify(cid, bytes);
			await onBlock(cid, bytes, roots);
			progress.blocks += 1;
			progress.bytes += bytes.length;
			opts.onProgress?.({ ...progress });
		}
	} catch (cause) {
		opts.signal?.throwIfAborted();
		if (cause instanceof BackupCorruptError || cause instanceof BackupTruncatedError || cause instanceof BackupUnreadableError) throw cause;
		if (isEndOfData(cause)) throw new BackupTruncatedError({ cause });
		// A store failure while importing is not the file's fault.
		if (cause instanceof Error && /Put|Quota/.test(cause.name)) throw cause;
		throw new BackupCorruptError({ cause });
	}
	return { roots, progress };
}

function isEndOfData(err: unknown): boolean {
	return err instanceof Error && /Unexpected end of data/.test(err.message);
}

export type { ByteSink };
