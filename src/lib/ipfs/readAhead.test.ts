import { describe, expect, it } from 'vitest';
import { readAhead } from './readAhead';

/** A source that records how far it has been read and whether it was closed. */
function counted(count: number, failAt?: number) {
	const state = { produced: 0, closed: false };
	async function* source(): AsyncGenerator<number> {
		try {
			for (let i = 0; i < count; i++) {
				if (i === failAt) throw new Error(`source failed at ${i}`);
				state.produced = i + 1;
				yield i;
			}
		} finally {
			state.closed = true;
		}
	}
	return { state, source: source() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('readAhead', () => {
	it('yields every item in source order', async () => {
		const { source } = counted(25);
		const out: number[] = [];
		for await (const x of readAhead(source, 4)) out.push(x);
		expect(out).toEqual(Array.from({ length: 25 }, (_, i) => i));
	});

	it('reads `depth` items ahead of the consumer, and no further', async () => {
		const { state, source } = counted(100);
		const it = readAhead(source, 5);
		expect((await it.next()).value).toBe(0);
		await settle();
		// The consumer has taken 1; 5 more are already being prepared.
		expect(state.produced).toBe(6);
		await it.next();
		await settle();
		expect(state.produced).toBe(7);
		await it.return(undefined);
	});

	it('raises a source error at the position it happened, after the items before it', async () => {
		const { state, source } = counted(10, 3);
		const out: number[] = [];
		await expect(
			(async () => {
				for await (const x of readAhead(source, 8)) out.push(x);
			})()
		).rejects.toThrow('source failed at 3');
		expect(out).toEqual([0, 1, 2]);
		expect(state.closed).toBe(true);
	});

	it('closes the source when the consumer stops early', async () => {
		const { state, source } = counted(1000);
		for await (const x of readAhead(source, 3)) if (x === 1) break;
		expect(state.closed).toBe(true);
		expect(state.produced).toBeLessThan(10);
	});

	it('handles an empty source and depth 1', async () => {
		const out: number[] = [];
		for await (const x of readAhead(counted(0).source, 1)) out.push(x);
		expect(out).toEqual([]);
		for await (const x of readAhead(counted(3).source, 1)) out.push(x);
		expect(out).toEqual([0, 1, 2]);
	});

	it('refuses a depth that is not a positive integer', async () => {
		await expect(readAhead(counted(1).source, 0).next()).rejects.toThrow(RangeError);
		await expect(readAhead(counted(1).source, 1.5).next()).rejects.toThrow(RangeError);
	});
});
