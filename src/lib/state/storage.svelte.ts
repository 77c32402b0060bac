/**
 * What the Settings page shows about local storage: which block store holds
 * this browser's records, whether the browser promised to keep them
 * (persistent storage), and how much of the quota they use. Browser APIs come
 * in through the constructor so node tests can pass stand-ins.
 */
import { messageOf } from '../errors';

export interface LocalStoreInfoPort {
	kind: 'opfs-segments' | 'indexeddb';
	fallbackReason?: string;
	stats?: () => Promise<{ segments: number; bytes: number; liveBytes: number }>;
}

export interface StoragePorts {
	/** The local block store in use (starts the IPFS node if needed). */
	localStore: () => Promise<LocalStoreInfoPort>;
	/** `navigator.storage`, absent in old browsers and some private windows. */
	storage?: Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>;
}

export class StorageState {
	readonly #ports: StoragePorts;
	#asked = false;
	#kind = $state<LocalStoreInfoPort['kind'] | null>(null);
	#fallbackReason = $state<string | undefined>(undefined);
	#persisted = $state<boolean | null>(null);
	#usage = $state<number | null>(null);
	#quota = $state<number | null>(null);
	#segments = $state<{ segments: number; bytes: number; liveBytes: number } | null>(null);
	#error = $state<string | null>(null);
	#loading = $state(false);

	constructor(ports: StoragePorts) {
		this.#ports = ports;
	}

	get kind() { return this.#kind; }
	get fallbackReason() { return this.#fallbackReason; }
	/** null: unknown (not asked yet, or the browser cannot tell). */
	get persisted() { return this.#persisted; }
	get usage() { return this.#usage; }
	get quota() { return this.#quota; }
	get segments() { return this.#segments; }
	get error() { return this.#error; }
	get loading() { return this.#loading; }

	/**
	 * Asks the browser once per page load to keep this site's data under
	 * storage pressure (Chromium decides without a prompt; Firefox may ask).
	 */
	async askPersistence(): Promise<boolean | null> {
		const storage = this.#ports.storage;
		if (!storage?.persist) return null;
		if (this.#asked) return this.#persisted;
		this.#asked = true;
		try {
			this.#persisted = (await storage.persisted()) || (await storage.persist());
		} catch {
			this.#persisted = null;
		}
		return this.#persisted;
	}

	async refresh(): Promise<void> {
		this.#loading = true;
		this.#error = null;
		try {
			const storage = this.#ports.storage;
			if (storage) {
				this.#persisted = await storage.persisted().catch(() => null);
				const estimate = await storage.estimate();
				this.#usage = estimate.usage ?? null;
				this.#quota = estimate.quota ?? null;
			}
			const info = await this.#ports.localStore();
			this.#kind = info.kind;
			this.#fallbackReason = info.fallbackReason;
			this.#segments = info.stats ? await info.stats() : null;
		} catch (err) {
			this.#error = messageOf(err);
		} finally {
			this.#loading = false;
		}
	}
}

let askedOnce: Promise<boolean | null> | null = null;

/** Asks for persistent storage once per page load (after unlock or create); the result shows in Settings. */
export function askPersistentStorage(storage = typeof navigator !== 'undefined' ? navigator.storage : undefined): Promise<boolean | null> {
	askedOnce ??= new StorageState({ localStore: () => Promise.reject(new Error('unused')), storage }).askPersistence();
	return askedOnce;
}
