/**
 * A read-only blob source over trustless gateways alone: Helia light on
 * memory stores, no libp2p, no dial, no local block store to open. A doctor
 * opening a share link needs one bundle read, which a gateway serves in a
 * few milliseconds, where the full node first starts libp2p, dials the peers
 * and opens the OPFS store (bench/README.md, `link_open_ms`). Every block is
 * still checked against its CID by Helia before it is returned.
 */
import { MemoryBlockstore } from 'blockstore-core';
import { MemoryDatastore } from 'datastore-core';
import { createHeliaLight } from 'helia';
import type { BlobStore } from '../vault/ports';
import { createBlobStore, type CreateBlobStoreOptions } from './blobStore';
import { gatewayBroker, type GatewayBrokerOptions } from './gatewayBroker';

export interface GatewayReader {
	blobStore: Pick<BlobStore, 'cat'>;
	stop(): Promise<void>;
}

export interface StartGatewayReaderOptions {
	/** Trustless gateways, tried in order. */
	gateways: readonly string[];
	gateway?: GatewayBrokerOptions;
	blobStore?: Pick<CreateBlobStoreOptions, 'timeoutMs'>;
}

export async function startGatewayReader(options: StartGatewayReaderOptions): Promise<GatewayReader> {
	const broker = gatewayBroker(options.gateways, options.gateway);
	const helia = createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), blockBrokers: [broker] });
	await helia.start();
	const blobStore = createBlobStore(helia, { ...options.blobStore, attempts: (cid) => broker.attempts(cid) });
	return { blobStore: { cat: (cid, opts) => blobStore.cat(cid, opts) }, stop: async () => { await helia.stop(); } };
}
