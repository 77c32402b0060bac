import { describe, expect, it } from 'vitest';
import { StorageState } from './storage.svelte';

function fakeStorage(options: { persisted?: boolean; grant?: boolean } = {}) {
	const calls = { persist: 0 };
	let persisted = options.persisted ?? false;
	return {
		calls,
		storage: {
			persisted: async () => persisted,
			persist: async () => {
				calls.persist++;
				persisted = options.grant ?? true;
				return persisted;
			},
			estimate: async () => ({ usage: 5 * 1024 * 1024, quota: 1024 * 1024 * 1024 })
		}
	};
}

describe('StorageState', () => {
	it('asks for persistent storage once per page load, and not when already granted', async () => {
		const { storage, calls } = fakeStorage();
		const state = new StorageState({ localStore: async () => ({ kind: 'opfs-segments' }), storage });
		expect(await state.askPersistence()).toBe(true);
		expect(await state.askPersistence()).toBe(true);
		expect(calls.persist).toBe(1);
		const granted = fakeStorage({ persisted: true });
		expect(await new StorageState({ localStore: async () => ({ kind: 'indexeddb' }), storage: granted.storage }).askPersistence()).toBe(true);
		expect(granted.calls.persist).toBe(0);
	});

	it('shows the store in use, its segments, usage and quota; a refused persistence reads as false', async () => {
		const { storage } = fakeStorage({ grant: false });
		const state = new StorageState({
			localStore: async () => ({ kind: 'opfs-segments', stats: async () => ({ segments: 2, bytes: 3000, liveBytes: 2000 }) }),
			storage
		});
		expect(await state.askPersistence()).toBe(false);
		await state.refresh();
		expect(state.kind).toBe('opfs-segments');
		expect(state.segments).toEqual({ segments: 2, bytes: 3000, liveBytes: 2000 });
		expect(state.usage).toBe(5 * 1024 * 1024);
		expect(state.quota).toBe(1024 * 1024 * 1024);
		expect(state.persisted).toBe(false);
	});

	it('names the fallback and why; a store that cannot start is an error message, not a blank', async () => {
		const fallback = new StorageState({ localStore: async () => ({ kind: 'indexeddb', fallbackReason: 'this browser has no synchronous file access in workers' }) });
		await fallback.refresh();
		expect(fallback.kind).toBe('indexeddb');
		expect(fallback.fallbackReason).toMatch(/synchronous file access/);
		expect(await fallback.askPersistence()).toBeNull();
		const broken = new StorageState({ localStore: async () => Promise.reject(new Error('IndexedDB is blocked')) });
		await broken.refresh();
		expect(broken.error).toMatch(/IndexedDB is blocked/);
		expect(broken.loading).toBe(false);
	});
});
