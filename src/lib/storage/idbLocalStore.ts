import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { LocalStore } from '../vault/ports';

/**
 * IndexedDB key-value store for this device's copies of vault ciphertexts
 * (the wrapped root secret, the encrypted index). Never holds a secret in clear.
 */
export function createIdbLocalStore(dbName = 'carevault-local'): LocalStore {
	const store: UseStore = createStore(dbName, 'kv');
	return {
		async get(key) {
			const value = await get<Uint8Array>(key, store);
			return value instanceof Uint8Array ? value : null;
		},
		put: (key, value) => set(key, value, store),
		delete: (key) => del(key, store)
	};
}
