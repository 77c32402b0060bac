/**
 * The browser's IPFS node. Load it lazily (`await import('$lib/ipfs/node')`):
 * Helia and libp2p are imported statically here so the bundler can tree-shake
 * them into this one chunk.
 */
import { BatchingIDBBlockstore } from './batchingBlockstore';
import { IDBDatastore } from 'datastore-idb';
import { IpfsStartError } from './errors';
import { startNode, type IpfsNode, type StartNodeOptions } from './start';

export type { IpfsNode, PeerStatus } from './start';
export type { IpfsBlobStore, PinReport } from './blobStore';
export type { RemotePinResult } from './remotePin';

export interface StartBrowserNodeOptions extends Pick<StartNodeOptions, 'dialTimeoutMs' | 'blobStore' | 'remotePin' | 'gateways' | 'gateway'> {
	/** Multiaddrs of peers to dial, e.g. `/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooW...`. */
	peers?: readonly string[];
	/** Prefix of the two IndexedDB databases; blocks survive reloads under this name. */
	dbName?: string;
	/** Set false to run without libp2p at all. */
	networking?: boolean;
}

/**
 * Opens the IndexedDB stores and starts a light Helia node dialing only the
 * given peers. Throws IpfsStartError only when the local stores cannot be opened;
 * unreachable peers are reported in `node.peers`.
 */
export async function startBrowserNode(options: StartBrowserNodeOptions = {}): Promise<IpfsNode> {
	const dbName = options.dbName ?? 'carevault-ipfs';
	const blockstore = new BatchingIDBBlockstore(`${dbName}-blocks`);
	const datastore = new IDBDatastore(`${dbName}-data`);
	const close = async () => {
		await blockstore.close().catch(() => {});
		await datastore.close().catch(() => {});
	};
	try {
		await blockstore.open();
		await datastore.open();
		return await startNode({ ...options, blockstore, datastore, afterStop: close });
	} catch (err) {
		await close();
		throw new IpfsStartError({ cause: err });
	}
}
