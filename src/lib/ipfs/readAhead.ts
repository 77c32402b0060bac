/**
 * Pulls up to `depth` items from `source` before the consumer asks for them.
 *
 * The UnixFS importer takes a batch of leaves, then waits until all of them
 * are written before it asks for more, so without this the cipher sits idle
 * while IndexedDB writes and IndexedDB sits idle while the cipher works.
 * Reading ahead lets the next chunks be encrypted while the previous ones are
 * stored. Memory grows by at most `depth` items besides the one the consumer holds.
 *
 * Items come out in source order; an error from the source surfaces at the
 * position where it happened. Stopping early returns the source.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T, void, undefined> {
	if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`readAhead depth must be a positive integer, got ${depth}`);
	const it = source[Symbol.asyncIterator]();
	// An async generator queues next() calls and settles them in order, so
	// asking several times up front is safe.
	const pending: Promise<IteratorResult<T>>[] = [];
	let ended = false;
	const request = () => {
		const next = it.next();
		// Rejections are observed when their turn comes; this only stops the
		// ones never reached (after an earlier end or error) from being reported as unhandled.
		next.then((r) => r.done && (ended = true), () => (ended = true));
		pending.push(next);
	};
	try {
		const refill = () => {
			while (!ended && pending.length < depth) request();
		};
		refill();
		for (;;) {
			const next = pending.shift();
			if (next === undefined) return;
			const result = await next;
			if (result.done) return;
			// Ask for the next ones before handing this item over, so they are
			// being prepared while the consumer works.
			refill();
			yield result.value;
		}
	} finally {
		await it.return?.();
	}
}
