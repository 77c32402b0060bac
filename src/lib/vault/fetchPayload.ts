import { CarevaultError } from '../errors';
import { concatBytes } from '../crypto/encoding';
import type { BlobStore } from './ports';
import { PayloadTooLargeError, PayloadUnavailableError } from './errors';

const MiB = 1024 * 1024;

/** Largest sealed payload or bundle manifest read from someone else: far above any real one (attachments are separate blobs). */
export const PAYLOAD_MAX_BYTES = 16 * MiB;
/** How long one payload may take to arrive, in all. */
export const PAYLOAD_TIMEOUT_MS = 30_000;

export interface FetchPayloadOptions {
	/** @default PAYLOAD_MAX_BYTES */
	maxBytes?: number;
	/** @default PAYLOAD_TIMEOUT_MS */
	timeoutMs?: number;
	/** The caller's own cancel: its reason is thrown as is. */
	signal?: AbortSignal;
}

/**
 * Reads a small blob another person put on IPFS (a proposal payload, a grant
 * bundle), bounded in size and time, so one unreachable or huge blob cannot
 * hold up or exhaust the page. Stops reading at `maxBytes` (the rest is never
 * fetched). Throws PayloadTooLargeError, PayloadUnavailableError (not found,
 * timed out, any network failure) or the caller's abort reason; an
 * InvalidCidError (a malformed pointer) passes through, as retrying cannot fix it.
 */
export async function fetchPayload(blobs: Pick<BlobStore, 'cat'>, cid: string, options: FetchPayloadOptions = {}): Promise<Uint8Array> {
	const maxBytes = options.maxBytes ?? PAYLOAD_MAX_BYTES;
	const timeout = AbortSignal.timeout(options.timeoutMs ?? PAYLOAD_TIMEOUT_MS);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	const parts: Uint8Array[] = [];
	let size = 0;
	try {
		for await (const part of blobs.cat(cid, { signal })) {
			size += part.length;
			// Returning from the loop closes the stream: no further block is asked for.
			if (size > maxBytes) throw new PayloadTooLargeError(cid, maxBytes);
			parts.push(part);
			signal.throwIfAborted();
		}
	} catch (err) {
		if (options.signal?.aborted) throw options.signal.reason ?? err;
		if (err instanceof PayloadTooLargeError || (err instanceof CarevaultError && err.name === 'InvalidCidError')) throw err;
		throw new PayloadUnavailableError(cid, { cause: err });
	}
	return parts.length === 1 ? parts[0] : concatBytes(...parts);
}
