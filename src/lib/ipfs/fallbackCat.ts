import type { BlobStore } from '../vault/ports';

export type CatSource = Pick<BlobStore, 'cat'>;

/**
 * Reads from `first`, and from `second` when `first` fails before it yields
 * a byte (a gateway that does not have the blob, or none reachable): the
 * share-link viewer asks the site's gateways before it starts a full node.
 * A failure after bytes were yielded is not retried (the reader already has
 * part of the stream); when both fail, `second`'s error is thrown, since it
 * is the fuller source (the full node names the gateways too). An aborted
 * read is never retried.
 */
export function catWithFallback(first: () => Promise<CatSource>, second: () => Promise<CatSource>): CatSource {
	return {
		async *cat(cid, options = {}) {
			let yielded = false;
			try {
				for await (const chunk of (await first()).cat(cid, options)) {
					yielded = true;
					yield chunk;
				}
				return;
			} catch (err) {
				if (yielded || options.signal?.aborted) throw err;
			}
			yield* (await second()).cat(cid, options);
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
