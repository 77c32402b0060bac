import type { BlobStore } from '../vault/ports';

export type CatSource = Pick<BlobStore, 'cat'>;

export interface CatWithFallbackOptions {
	/**
	 * How long `first` may take to deliver its first bytes before it is given
	 * up for `second`: a gateway that accepts the request and never answers
	 * must not hold the doctor for its whole request timeout. @default 4_000
	 */
	firstBytesMs?: number;
}

/**
 * Reads from `first`, and from `second` when `first` fails or stays silent
 * (`firstBytesMs`) before it yields a byte (a gateway that does not have the
 * blob, none reachable, or one that hangs): the share-link viewer asks the
 * site's gateways before it starts a full node. A failure after bytes were
 * yielded is not retried (the reader already has part of the stream); when
 * both fail, `second`'s error is thrown, since it is the fuller source (the
 * full node names the gateways too). A read the caller aborted is never retried.
 */
export function catWithFallback(first: () => Promise<CatSource>, second: () => Promise<CatSource>, options: CatWithFallbackOptions = {}): CatSource {
	const firstBytesMs = options.firstBytesMs ?? 4_000;
	return {
		async *cat(cid, opts = {}) {
			let yielded = false;
			const silent = new AbortController();
			const timer = setTimeout(() => silent.abort(new DOMException('No bytes in time from the first source.', 'TimeoutError')), firstBytesMs);
			const signal = opts.signal ? AbortSignal.any([opts.signal, silent.signal]) : silent.signal;
			try {
				for await (const chunk of (await first()).cat(cid, { ...opts, signal })) {
					clearTimeout(timer);
					yielded = true;
					yield chunk;
				}
				return;
			} catch (err) {
				if (yielded || opts.signal?.aborted) throw err;
			} finally {
				clearTimeout(timer);
			}
			yield* (await second()).cat(cid, opts);
		}
	};
}

/**
 * A source that can be used before it exists: reads wait for `starting`.
 * Lets the link viewer start its block source beside the chain read instead
 * of before it.
 */
export function deferredCat(starting: Promise<CatSource>): CatSource {
	// Nobody may read at all (a revoked share): an unread failure is not an unhandled one.
	starting.catch(() => {});
	return {
		async *cat(cid, options) {
			yield* (await starting).cat(cid, options);
		}
	};
}
