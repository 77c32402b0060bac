import { openDataKey } from '../crypto/pre';
import { fromBase64 } from '../crypto/encoding';
import { decryptAttachment } from './decryptAttachment';
import type { Attachment, VaultRecord } from '../records/model';
import type { OpenVault, VaultDeps } from './deps';
import type { ByteSink } from './backup/ports';

/**
 * Streams an attachment's plaintext. Throws DecryptionFailedError if the
 * ciphertext was altered, cut short or reordered, or the key does not match:
 * never yields unauthenticated bytes.
 */
export async function* openAttachment(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	record: VaultRecord,
	attachment: Attachment,
	options: { signal?: AbortSignal } = {}
): AsyncGenerator<Uint8Array> {
	const m = attachment.manifest;
	const key = vault.keys.umbralKey(record.category, m.epoch);
	const dek = await openDataKey(key.secretKey, { capsule: fromBase64(m.capsule), ciphertext: fromBase64(m.sealedKey) });
	yield* decryptAttachment(deps.blobs, m, dek, options);
}

/** Reads an attachment whole (for viewing); large files should be streamed to a download instead. */
export async function readAttachment(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	record: VaultRecord,
	attachment: Attachment,
	options: { signal?: AbortSignal } = {}
): Promise<Uint8Array[]> {
	const parts: Uint8Array[] = [];
	for await (const part of openAttachment(deps, vault, record, attachment, options)) parts.push(part);
	return parts;
}

/**
 * Streams an attachment's plaintext into `sink` (a file on disk), one chunk at
 * a time: a 1 GiB file never sits in memory. On failure or cancel the sink is
 * aborted, so no partial file is left, and the error is rethrown.
 */
export async function saveAttachment(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	record: VaultRecord,
	attachment: Attachment,
	sink: ByteSink,
	options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}
): Promise<void> {
	let done = 0;
	try {
		for await (const part of openAttachment(deps, vault, record, attachment, options)) {
			options.signal?.throwIfAborted();
			await sink.write(part);
			done += part.length;
			options.onProgress?.(done, attachment.manifest.size);
		}
		await sink.close();
	} catch (err) {
		await sink.abort(err).catch(() => {});
		throw err;
	}
}
