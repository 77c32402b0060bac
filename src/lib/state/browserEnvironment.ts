import type { AppConfig } from '../config';
import type { Environment } from './ports';
import { createIdbLocalStore } from '../storage/idbLocalStore';
import { originCheck } from '../vault/originCheck';
import { askPersistentStorage } from './storage.svelte';

// Helia is heavy: loaded on first use, once per tab, never in the first paint.
let ipfsNode: Promise<Awaited<ReturnType<typeof import('../ipfs/node').startBrowserNode>>> | null = null;

/** This tab's environment: Helia in the page, IndexedDB, the encryption worker, and the origin's verdict. */
export function browserEnvironment(config: AppConfig): Environment {
	const origin = originCheck({ location, config });
	const node = () => (ipfsNode ??= import('../ipfs/node').then(({ startBrowserNode }) => startBrowserNode({ peers: config.ipfsPeers, gateways: config.gateways })));
	return {
		blobs: async () => (await node()).blobStore,
		backupBlocks: async () => {
			const [{ helia }, { createCarBackup }] = await Promise.all([node(), import('../ipfs/carBackup')]);
			return createCarBackup(helia);
		},
		remoteCopy: async () => {
			const [n, { remoteCopyPort }] = await Promise.all([node(), import('../ipfs/pinningService')]);
			return remoteCopyPort(n);
		},
		local: createIdbLocalStore(),
		encryptor: async () => (await import('../workers/encryptor')).browserEncryptor,
		refusal: origin.ok ? null : origin.error,
		storage: {
			localStore: async () => (await node()).localStore,
			storage: typeof navigator !== 'undefined' ? navigator.storage : undefined
		},
		onVaultOpen: () => void askPersistentStorage()
	};
}
