/**
 * Ports of the backup use cases. The CAR codec, block hashing and the
 * blockstore live in the adapter (lib/ipfs/carBackup.ts); the use cases decide
 * what goes in a backup and whether a backup may be imported.
 */

/** Where a backup is written: a file the person chose, or a staging file (lib/storage). */
export interface ByteSink {
	write(chunk: Uint8Array): Promise<void>;
	close(): Promise<void>;
	/** Drops what was written (a cancelled or failed backup leaves no partial file behind). */
	abort(reason?: unknown): Promise<void>;
}

/** A file that can be read more than once (a browser File): import checks it all, then reads it again to store it. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

export interface BackupProgress {
	/** Bytes of blocks written or read so far. */
	bytes: number;
	/** About how many bytes in all (0 when unknown). */
	total: number;
	blocks: number;
}

export interface CarScan {
	/** The CAR header's roots, in order (CID strings). */
	roots: string[];
	/** Bytes of the first root's block when it is a raw block in the file (the backup description), else null. */
	description: Uint8Array | null;
	blocks: number;
	bytes: number;
}

export interface BackupBlocks {
	/**
	 * Writes a CARv1 whose header names `description`'s CID first, then `roots`;
	 * the blocks are the description and every block of each root's DAG, each
	 * once, read from this device's blockstore. Streams: holds about one block.
	 * Throws BackupSourceMissingError, BackupWriteError, or the signal's reason.
	 */
	writeCar(
		params: { roots: readonly string[]; description: Uint8Array },
		sink: ByteSink,
		options?: { signal?: AbortSignal; total?: number; onProgress?: (p: BackupProgress) => void }
	): Promise<{ blocks: number; bytes: number }>;
	/**
	 * Reads a CAR through without storing anything: every block must hash to its
	 * CID and every link of every root's DAG must be in the file. Throws
	 * BackupUnreadableError, BackupCorruptError or BackupTruncatedError.
	 */
	scanCar(source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal; total?: number; onProgress?: (p: BackupProgress) => void }): Promise<CarScan>;
	/**
	 * Reads the CAR again, checks every block again (the file may have changed
	 * since the scan), stores the blocks and pins the roots.
	 */
	storeCar(source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal; total?: number; onProgress?: (p: BackupProgress) => void }): Promise<{ blocks: number; bytes: number }>;
}
