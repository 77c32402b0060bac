import { InvalidInputError } from './errors';

/**
 * Exact input checks at the crypto boundary, in the wording of noble-ciphers,
 * so a wrong argument fails loudly here instead of deep inside WASM.
 */
export function checkBytes(name: string, value: unknown, length?: number): Uint8Array {
	if (!(value instanceof Uint8Array)) {
		const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
		throw new InvalidInputError(
			`${name}: expected Uint8Array${length === undefined ? '' : ` of length ${length}`}, got type=${got}`
		);
	}
	if (length !== undefined && value.length !== length)
		throw new InvalidInputError(`${name}: expected Uint8Array of length ${length}, got length=${value.length}`);
	return value;
}

export function checkMinBytes(name: string, value: unknown, min: number): Uint8Array {
	const bytes = checkBytes(name, value);
	if (bytes.length < min)
		throw new InvalidInputError(`${name}: expected Uint8Array of length >= ${min}, got length=${bytes.length}`);
	return bytes;
}

export function checkString(name: string, value: unknown, options: { nonEmpty?: boolean } = {}): string {
	if (typeof value !== 'string') throw new InvalidInputError(`${name}: expected string, got type=${typeof value}`);
	if (options.nonEmpty && value.length === 0) throw new InvalidInputError(`${name}: expected a non-empty string`);
	return value;
}

export function checkInteger(name: string, value: unknown, min = 0): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
		throw new InvalidInputError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
	return value;
}

/** Source of random bytes; injectable so tests can be deterministic. */
export type RandomSource = (length: number) => Uint8Array;

/** Web Crypto randomness: fast for bulk bytes, available in browsers and node. */
export const webRandom: RandomSource = (length) => {
	const out = new Uint8Array(length);
	// getRandomValues fills at most 65536 bytes per call.
	for (let i = 0; i < length; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
	return out;
};

export function takeRandom(random: RandomSource | undefined, length: number): Uint8Array {
	return checkBytes('random()', (random ?? webRandom)(length), length);
}
