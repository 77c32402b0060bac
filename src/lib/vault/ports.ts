/**
 * Ports: the small interfaces the use cases depend on. Adapters in lib/ipfs,
 * lib/chain and lib/wallet implement them; tests pass in-memory stand-ins only
 * for what is not ours (never for our own components).
 */

export type { Hex, PublicKeys } from '../types';
import type { Hex, PublicKeys } from '../types';

/** The record cipher's parameters for `addEncryptedFile`. */
export interface EncryptedFileOptions {
	key: Uint8Array;
	ad: Uint8Array;
	chunkSize?: number;
	/** Plaintext bytes encrypted so far. */
	onProgress?(done: number): void;
	signal?: AbortSignal;
}

/** Content-addressed blob storage (IPFS). CIDs are strings (CIDv1 base32). */
export interface BlobStore {
	/** Stores a stream of bytes; returns its CID. Must not buffer the whole stream. */
	addStream(source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }): Promise<string>;
	/**
	 * Where the store can do it off the page's thread: encrypts `file` with
	 * the record cipher (exactly as encryptStream) and stores the ciphertext,
	 * with the same CID as `addStream` of that ciphertext. Absent otherwise.
	 */
	addEncryptedFile?(file: Blob, options: EncryptedFileOptions): Promise<string>;
	/** Stores a small blob. */
	addBytes(bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<string>;
	/** Streams a blob back. Throws BlobNotFoundError when it cannot be found in time. */
	cat(cid: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>;
	/** Reads a small blob whole. */
	getBytes(cid: string, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
	/**
	 * Keeps the blob's blocks from garbage collection. `unpinTag` (hex SHA-256
	 * of a secret) lets whoever holds the secret unpin it later on the peers
	 * asked to keep a copy (`unpinBlock`).
	 */
	pin(cid: string, options?: { signal?: AbortSignal; unpinTag?: string }): Promise<void>;
	/**
	 * Stops keeping a single-block blob (a SMART Health Link's file): unpinned
	 * and deleted here, and the connected peers that pinned it with the tag of
	 * `secret` (base64url) asked to do the same. Absent where the store cannot.
	 */
	unpinBlock?(cid: string, options: { secret: string; signal?: AbortSignal }): Promise<UnpinReport>;
}

/** What an unpin reached: this device, and each connected peer asked. */
export interface UnpinReport {
	/** 'removed': the block was here and is gone; 'absent': this device did not hold it. */
	local: 'removed' | 'absent';
	/** One entry per connected peer asked; 'unsupported': that peer cannot unpin (it may still serve the file). */
	remote: Array<{ peer: string; status: 'unpinned' | 'failed' | 'unsupported' | 'pinned'; error?: string }>;
}


/** The vault's on-chain footprint (VaultRegistry + KeyRegistry contracts). */
export interface VaultChain {
	/** Current account's vault pointer (the CID of the wrapped root secret), or null. */
	readVaultPointer(owner: Hex): Promise<string | null>;
	/**
	 * Sets the vault pointer only if the current one is `expected` (null: no
	 * vault yet). Throws VaultPointerChangedError when another tab or device
	 * wrote it first; nothing is overwritten.
	 */
	setVaultPointer(cid: string, expected: string | null): Promise<Hex>;
	/** Encrypted index pointer (opaque bytes) for owner, or null if never committed. */
	readIndexPointer(owner: Hex): Promise<Uint8Array | null>;
	/**
	 * One transaction: anchors a batch (Merkle root over manifest hashes, count)
	 * and updates the encrypted index pointer, only if the vault is still at
	 * `expectedBatchCount` batches (the count of the index the new one extends).
	 * Throws IndexChangedElsewhereError when another tab or device committed first.
	 */
	commitBatch(params: { expectedBatchCount: number; root: Hex; count: number; encryptedIndexPointer: Uint8Array }): Promise<Hex>;
	/**
	 * The Merkle root and manifest count the chain recorded for `owner`'s batch
	 * number `batch` (from 0), or null when there is no such batch: what a
	 * record's proof is checked against.
	 */
	readBatchAnchor(owner: Hex, batch: number): Promise<{ root: Hex; count: number; /** The block that anchored it, when the adapter knows. */ block?: bigint } | null>;
	publishKeys(keys: PublicKeys): Promise<Hex>;
	readKeys(owner: Hex): Promise<PublicKeys | null>;
}

/** Wallet signature, as EIP-1193 personal_sign. */
export interface MessageSigner {
	readonly address: Hex;
	readonly chainId: number;
	signMessage(message: string): Promise<Hex>;
}

/** Small local key-value storage (IndexedDB in the browser). Holds ciphertext only. */
export interface LocalStore {
	get(key: string): Promise<Uint8Array | null>;
	put(key: string, value: Uint8Array): Promise<void>;
	delete(key: string): Promise<void>;
}
