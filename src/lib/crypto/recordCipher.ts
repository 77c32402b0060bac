import { canonicalJson, utf8 } from './encoding';
import { DecryptionFailedError, InvalidInputError } from './errors';
import { checkBytes, checkInteger, checkString } from './input';
import { getSodium } from './sodium';

/**
 * Streaming record encryption: libsodium's crypto_secretstream_xchacha20poly1305
 * over fixed-size plaintext chunks.
 *
 * Wire format (what goes to IPFS):
 *   header (24 bytes) || chunk_0 || chunk_1 || ... || chunk_n
 * where every chunk_i but the last is CHUNK_SIZE + 17 bytes and carries
 * TAG_MESSAGE, and the last carries TAG_FINAL and holds 1..CHUNK_SIZE
 * plaintext bytes (an exact multiple of CHUNK_SIZE ends with a full final
 * chunk; only an empty record has an empty final chunk). Every chunk is
 * authenticated with the same associated data: the hash of the manifest
 * header, which binds the ciphertext to its record id and parameters.
 *
 * Contract (as in typage): decryptStream never yields unauthenticated bytes,
 * but it yields each chunk as soon as that chunk verifies. Truncation can only
 * be detected at the end, so a consumer must treat the plaintext as incomplete
 * until the generator has finished without throwing.
 */

/** Plaintext bytes per chunk (1 MiB). */
export const CHUNK_SIZE = 1024 * 1024;

export const RECORD_CIPHER_ALG = 'secretstream-xchacha20poly1305' as const;

/** Header bytes at the start of every encrypted stream. */
export const STREAM_HEADER_BYTES = 24;
/** Bytes each chunk grows by (1 tag byte + 16 MAC bytes). */
export const CHUNK_OVERHEAD = 17;

// Chunk sizes a manifest may name. The upper bound keeps a hostile manifest
// from making the decryptor allocate an arbitrary buffer.
const MAX_CHUNK_SIZE = 64 * 1024 * 1024;

/** The public parameters of an encrypted record; its hash is the associated data. */
export interface RecordCipherHeader {
	v: 1;
	alg: typeof RECORD_CIPHER_ALG;
	chunk: number;
	id: string;
}

export interface EncryptStreamOptions {
	/** 32-byte data key (generateDataKey()). */
	key: Uint8Array;
	/** Associated data, normally manifestHeaderHash(header). */
	ad: Uint8Array;
	/** Called with the number of plaintext bytes encrypted so far, after each chunk is taken. */
	onProgress?(plainBytes: number): void;
	/** Plaintext bytes per chunk; must match on decryption. Defaults to CHUNK_SIZE; other values are for tests. */
	chunkSize?: number;
}

export interface DecryptStreamOptions {
	key: Uint8Array;
	ad: Uint8Array;
	/** The chunk size the stream was encrypted with (the manifest's `chunk`). Defaults to CHUNK_SIZE. */
	chunkSize?: number;
}

/** Total ciphertext length for a plaintext of `plainBytes` bytes. */
export function encryptedSize(plainBytes: number, chunkSize = CHUNK_SIZE): number {
	checkInteger('plainBytes', plainBytes);
	const chunks = Math.max(1, Math.ceil(plainBytes / checkChunkSize(chunkSize)));
	return STREAM_HEADER_BYTES + plainBytes + chunks * CHUNK_OVERHEAD;
}

/**
 * BLAKE2b-256 of the canonical JSON of the manifest header. Used as the
 * associated data of every chunk, so a ciphertext cannot be passed off as
 * another record's or decrypted under other parameters.
 */
export async function manifestHeaderHash(header: RecordCipherHeader): Promise<Uint8Array> {
	const sodium = await getSodium();
	if (header?.v !== 1) throw new InvalidInputError(`header.v: expected 1, got ${String(header?.v)}`);
	if (header.alg !== RECORD_CIPHER_ALG)
		throw new InvalidInputError(`header.alg: expected "${RECORD_CIPHER_ALG}", got ${JSON.stringify(header.alg)}`);
	checkChunkSize(header.chunk, 'header.chunk');
	checkString('header.id', header.id, { nonEmpty: true });
	const canonical = canonicalJson({ v: header.v, alg: header.alg, chunk: header.chunk, id: header.id });
	return sodium.crypto_generichash(32, utf8(canonical), null);
}

/** A fresh random 32-byte data key for one record. */
export async function generateDataKey(): Promise<Uint8Array> {
	const sodium = await getSodium();
	return sodium.crypto_secretstream_xchacha20poly1305_keygen();
}

/**
 * Encrypts a byte stream. Input pieces may have any size; they are re-chunked
 * into exact chunkSize plaintext chunks. Yields the 24-byte header first, then
 * one ciphertext per chunk, the last one tagged final. Holds at most one
 * plaintext chunk and one ciphertext chunk (plus the caller's current piece).
 */
export async function* encryptStream(
	source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	options: EncryptStreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
	const sodium = await getSodium();
	const key = checkBytes('key', options?.key, 32);
	const ad = checkBytes('ad', options.ad);
	const chunkSize = checkChunkSize(options.chunkSize ?? CHUNK_SIZE);
	const { onProgress } = options;
	const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;

	const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
	const buffer = new Uint8Array(chunkSize);
	let fill = 0;
	let done = 0;
	try {
		yield header;
		for await (const piece of source) {
			checkBytes('source piece', piece);
			let offset = 0;
			while (offset < piece.length) {
				// A full buffer is flushed only once more input exists, so the
				// chunk that ends the stream is always the one tagged final.
				if (fill === chunkSize) {
					const out = sodium.crypto_secretstream_xchacha20poly1305_push(state, buffer, ad, TAG_MESSAGE);
					fill = 0;
					done += chunkSize;
					yield out;
					onProgress?.(done);
				}
				const n = Math.min(chunkSize - fill, piece.length - offset);
				buffer.set(piece.subarray(offset, offset + n), fill);
				fill += n;
				offset += n;
			}
		}
		const last = sodium.crypto_secretstream_xchacha20poly1305_push(state, buffer.subarray(0, fill), ad, TAG_FINAL);
		done += fill;
		yield last;
		onProgress?.(done);
	} finally {
		sodium.memzero(buffer);
	}
}

/**
 * Decrypts what encryptStream produced, whatever the piece sizes of the
 * source. Throws DecryptionFailedError on any authentication failure, a short
 * header, a missing final chunk (truncation), or bytes after the final chunk.
 */
export async function* decryptStream(
	source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
	options: DecryptStreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
	const sodium = await getSodium();
	const key = checkBytes('key', options?.key, 32);
	const ad = checkBytes('ad', options.ad);
	const chunkSize = checkChunkSize(options.chunkSize ?? CHUNK_SIZE);
	const TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	const TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	const frameSize = chunkSize + CHUNK_OVERHEAD;

	const header = new Uint8Array(STREAM_HEADER_BYTES);
	let headerFill = 0;
	let state: ReturnType<typeof sodium.crypto_secretstream_xchacha20poly1305_init_pull> | undefined;
	const frame = new Uint8Array(frameSize);
	let fill = 0;
	let finished = false;

	const pull = (cipher: Uint8Array) => {
		const result = sodium.crypto_secretstream_xchacha20poly1305_pull(state!, cipher, ad, null);
		if (!result || (result.tag !== TAG_MESSAGE && result.tag !== TAG_FINAL)) throw new DecryptionFailedError();
		return result;
	};

	for await (const piece of source) {
		checkBytes('source piece', piece);
		let offset = 0;
		while (offset < piece.length) {
			if (finished) throw new DecryptionFailedError();
			if (!state) {
				const n = Math.min(STREAM_HEADER_BYTES - headerFill, piece.length - offset);
				header.set(piece.subarray(offset, offset + n), headerFill);
				headerFill += n;
				offset += n;
				if (headerFill === STREAM_HEADER_BYTES)
					state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
				continue;
			}
			const n = Math.min(frameSize - fill, piece.length - offset);
			frame.set(piece.subarray(offset, offset + n), fill);
			fill += n;
			offset += n;
			if (fill === frameSize) {
				fill = 0;
				const { message, tag } = pull(frame);
				if (tag === TAG_FINAL) finished = true;
				yield message;
			}
		}
	}
	if (finished) return;
	// Only a final chunk may be shorter than a full frame; an empty remainder
	// means the stream stopped at a chunk boundary before its final chunk.
	if (!state || fill < CHUNK_OVERHEAD) throw new DecryptionFailedError();
	const { message, tag } = pull(frame.subarray(0, fill));
	if (tag !== TAG_FINAL) throw new DecryptionFailedError();
	yield message;
}

function checkChunkSize(value: unknown, name = 'chunkSize'): number {
	const n = checkInteger(name, value, 1);
	if (n > MAX_CHUNK_SIZE) throw new InvalidInputError(`${name}: expected at most ${MAX_CHUNK_SIZE}, got ${n}`);
	return n;
}
