/**
 * The chain-event cache on this device, sealed under the vault's keys. What a
 * patient's scans found (who granted whom, who proposed what, when) says who
 * they deal with, so it is never stored in clear: each cursor is encrypted
 * under a key of its own derived from the index key, bound to the vault's
 * address and the entry's name, and the entry's name is itself a keyed hash
 * of the query (the store's keys do not say which contracts or accounts were read).
 */
import { decryptBlob, encryptBlob } from '../../crypto/seal';
import { utf8 } from '../../crypto/encoding';
import { getSodium } from '../../crypto/sodium';
import { DecryptionFailedError } from '../../crypto/errors';
import type { OpenVault } from '../deps';
import type { LocalStore } from '../ports';
import type { EventCache, EventCursor } from './ports';

const KEY_LABEL = 'carevault/v1/chain-events';
const NAME_LABEL = 'carevault/v1/chain-events-name';
const FORMAT = 1;

type VaultKeyed = Pick<OpenVault, 'address' | 'keys'>;

/** JSON with bigints kept exact ({"$n": "123"}), the one non-JSON type viem logs hold. */
export function encodeCursor(cursor: EventCursor): Uint8Array {
	return utf8(JSON.stringify({ v: FORMAT, ...cursor }, (_, v: unknown) => (typeof v === 'bigint' ? { $n: v.toString() } : v)));
}

export function decodeCursor(bytes: Uint8Array): EventCursor | null {
	const raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_, v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { $n?: unknown }).$n === 'string' && Object.keys(v).length === 1 ? BigInt((v as { $n: string }).$n) : v
	) as { v?: unknown; lastBlock?: unknown; logs?: unknown };
	if (raw?.v !== FORMAT || typeof raw.lastBlock !== 'bigint' || !Array.isArray(raw.logs)) return null;
	return { lastBlock: raw.lastBlock, logs: raw.logs };
}

/**
 * A cache that seals under whichever vault is open: `open(vault)` after an
 * unlock, `close()` on lock. While none is open (or its keys were wiped) it
 * reads nothing and writes nothing, and the reader simply scans the chain.
 * A cursor that does not open (another vault's, damaged) counts as absent.
 *
 * @example
 * const cache = sealedEventCache(local); cache.open(vault)
 * await cache.put('grants', { lastBlock: 12n, logs }) // later: await cache.get('grants')
 */
export function sealedEventCache(local: LocalStore): EventCache & { open(vault: VaultKeyed): void; close(): void } {
	let vault: VaultKeyed | null = null;
	const usable = () => (vault && !vault.keys.wiped ? vault : null);

	async function keys(v: VaultKeyed, key: string) {
		const sodium = await getSodium();
		const sealKey = sodium.crypto_generichash(32, utf8(KEY_LABEL), v.keys.index);
		const name = sodium.to_hex(sodium.crypto_generichash(16, utf8(key), sodium.crypto_generichash(32, utf8(NAME_LABEL), v.keys.index)));
		const storeKey = `chain-events:${v.address.toLowerCase()}:${name}`;
		return { sealKey, storeKey, ad: utf8(`${KEY_LABEL}:${storeKey}`), wipe: () => sodium.memzero(sealKey) };
	}

	return {
		open(v) {
			vault = v;
		},
		close() {
			vault = null;
		},
		async get(key) {
			const v = usable();
			if (!v) return null;
			const k = await keys(v, key);
			try {
				const blob = await local.get(k.storeKey);
				if (!blob) return null;
				return decodeCursor(await decryptBlob(k.sealKey, blob, k.ad));
			} catch (err) {
				// A cursor that does not open is only a lost shortcut: the chain is scanned again.
				if (err instanceof DecryptionFailedError || err instanceof SyntaxError || err instanceof TypeError) return null;
				throw err;
			} finally {
				k.wipe();
			}
		},
		async put(key, cursor) {
			const v = usable();
			if (!v) return;
			const k = await keys(v, key);
			try {
				await local.put(k.storeKey, await encryptBlob(k.sealKey, encodeCursor(cursor), k.ad));
			} finally {
				k.wipe();
			}
		}
	};
}

export type SealedEventCache = ReturnType<typeof sealedEventCache>;
