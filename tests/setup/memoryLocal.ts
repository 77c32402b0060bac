import type { LocalStore } from '../../src/lib/vault/ports';

/** A LocalStore in memory, for node tests: a fresh one is a fresh device. */
export function memoryLocal(): LocalStore {
	const map = new Map<string, Uint8Array>();
	return { get: async (k) => map.get(k) ?? null, put: async (k, v) => void map.set(k, v), delete: async (k) => void map.delete(k) };
}
