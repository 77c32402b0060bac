import type sodiumType from 'libsodium-wrappers-sumo';
import type * as umbralType from '@nucypher/umbral-pre';

/** The libsodium-wrappers-sumo API, once its WASM has loaded. */
export type Sodium = typeof sodiumType;
/** The @nucypher/umbral-pre API, once its WASM has loaded. */
export type Umbral = typeof umbralType;

let sodiumPromise: Promise<Sodium> | undefined;
let umbralPromise: Promise<Umbral> | undefined;

/**
 * libsodium, loaded on first use. The module is imported lazily so that merely
 * importing lib/crypto never starts WASM compilation (pages that only show
 * public data stay light, and nothing runs at import time).
 */
export function getSodium(): Promise<Sodium> {
	sodiumPromise ??= import('libsodium-wrappers-sumo').then(async (mod) => {
		const sodium = (mod.default ?? mod) as Sodium;
		await sodium.ready;
		return sodium;
	});
	return sodiumPromise;
}

/** Resolves once libsodium is usable. Every async API of lib/crypto awaits it. */
export async function ready(): Promise<void> {
	await getSodium();
}

/**
 * Umbral, loaded on first use. In node the package's CommonJS build compiles
 * its WASM synchronously when required, in the browser vite bundles the
 * `browser` build; either way only after this dynamic import.
 */
export function getUmbral(): Promise<Umbral> {
	umbralPromise ??= import('@nucypher/umbral-pre').then((mod) => {
		const m = mod as Umbral & { default?: Umbral };
		// CommonJS interop: named exports may only be present on `default`.
		return typeof m.SecretKeyFactory === 'function' ? m : (m.default as Umbral);
	});
	return umbralPromise;
}
