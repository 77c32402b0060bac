import type { AppConfig } from '../config';
import type { Environment } from './ports';
import { createIdbLocalStore } from '../storage/idbLocalStore';
import { originCheck } from '../vault/originCheck';
import { askPersistentStorage } from './storage.svelte';
import { catWithFallback } from '../ipfs/fallbackCat';

// Helia is heavy: loaded on first use, once per tab, never in the first paint.
let ipfsNode: Promise<Awaited<ReturnType<typeof import('../ipfs/node').startBrowserNode>>> | null = null;
let gatewayReader: Promise<import('../ipfs/gatewayReader').GatewayReader> | null = null;

/** This tab's environment: Helia in the page, IndexedDB, the encryption worker, and the origin's verdict. */
export function browserEnvironment(config: AppConfig): Environment {
	const origin = originCheck({ location, config });
	const node = () => (ipfsNode ??= import('../ipfs/node').then(({ startBrowserNode }) => startBrowserNode({ peers: config.ipfsPeers, gateways: config.gateways })));
	return {
		blobs: async () => (await node()).blobStore,
		// A doctor opening a link: the site's gateways first (no libp2p, no dial, no local store); the full node only if they fail.
		viewerBlobs: async () => {
			if (config.gateways.length === 0) return (await node()).blobStore;
			// Started now, beside the chain check, not when the first read asks for it.
			const reader = (gatewayReader ??= import('../ipfs/gatewayReader').then(({ startGatewayReader }) => startGatewayReader({ gateways: config.gateways })));
			reader.catch(() => {});
			return catWithFallback(async () => (await reader).blobStore, async () => (await node()).blobStore);
		},
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
