/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in list order;
 * resolves when all have settled, rejecting with the first error (the others
 * still run to the end).
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
	let next = 0;
	let failure: { err: unknown } | undefined;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			try {
				await fn(items[i], i);
			} catch (err) {
				failure ??= { err };
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	if (failure) throw failure.err;
}
