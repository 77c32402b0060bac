// Helpers shared by the crypto tests (not imported by application code).
import { concatBytes } from './encoding';

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const part of source) parts.push(part);
	return concatBytes(...parts);
}

export async function collectParts(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
	const parts: Uint8Array[] = [];
	for await (const part of source) parts.push(part);
	return parts;
}

/** Yields `bytes` cut into pieces of the given sizes, cycling through them. */
export async function* pieces(bytes: Uint8Array, sizes: number[] = [bytes.length || 1]): AsyncGenerator<Uint8Array> {
	let offset = 0;
	let i = 0;
	while (offset < bytes.length) {
		const n = Math.max(1, sizes[i++ % sizes.length]);
		yield bytes.subarray(offset, offset + n);
		offset += n;
	}
}

/** Yields `bytes` split at the given cut points (any order, duplicates allowed). */
export async function* splitAt(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
	const points = [...new Set(cuts.map((c) => Math.min(bytes.length, Math.max(0, c))))].sort((a, b) => a - b);
	let prev = 0;
	for (const p of [...points, bytes.length]) {
		yield bytes.subarray(prev, p);
		prev = p;
	}
}

export function randomBytesFast(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
	return out;
}

export const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

/** Deterministic "random" bytes for tests: byte i of call k is a simple function of (seed, k, i). */
export function deterministicRandom(seed = 1): (length: number) => Uint8Array {
	let call = 0;
	return (length) => {
		call++;
		return Uint8Array.from({ length }, (_, i) => (seed * 31 + call * 17 + i * 13) & 255);
	};
}
