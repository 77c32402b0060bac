import { DecryptionFailedError } from '../crypto/errors';
import { decryptStream, manifestHeaderHash, RECORD_CIPHER_ALG } from '../crypto/recordCipher';
import { getSodium } from '../crypto/sodium';
import type { BlobStore } from './ports';

/** What locates and checks one stored attachment's ciphertext. */
export interface StoredCiphertext {
	id: string;
	cid: string;
	/** Plaintext bytes per secretstream chunk. */
	chunk: number;
	/** Plaintext bytes in all. */
	size: number;
}

/**
 * Streams an attachment's plaintext with its data key, then checks that it
 * came out at the recorded size: a mismatch means the description and the
 * ciphertext do not belong together. Throws DecryptionFailedError if the
 * ciphertext was altered, cut short or reordered, or the key does not match;
 * never yields unauthenticated bytes. Wipes `dek` when done.
 */
export async function* decryptAttachment(
	blobs: Pick<BlobStore, 'cat'>,
	attachment: StoredCiphertext,
	dek: Uint8Array,
	options: { signal?: AbortSignal } = {}
): AsyncGenerator<Uint8Array> {
	try {
		const ad = await manifestHeaderHash({ v: 1, alg: RECORD_CIPHER_ALG, chunk: attachment.chunk, id: attachment.id });
		let size = 0;
		for await (const part of decryptStream(blobs.cat(attachment.cid, options), { key: dek, ad, chunkSize: attachment.chunk })) {
			size += part.length;
			// A ciphertext longer than described is cut off here, not streamed to its end.
			if (size > attachment.size) throw new DecryptionFailedError();
			yield part;
		}
		if (size !== attachment.size) throw new DecryptionFailedError();
	} finally {
		(await getSodium()).memzero(dek);
	}
}
