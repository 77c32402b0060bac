/**
 * The browser's IPFS node. Load it lazily (`await import('$lib/ipfs/node')`):
 * Helia and libp2p are imported statically here so the bundler can tree-shake
 * them into this one chunk.
 */
import type { Blockstore } from 'interface-blockstore';
import { BatchingIDBBlockstore } from './batchingBlockstore';
import { IDBDatastore } from 'datastore-idb';
import { IpfsStartError } from './errors';
import { startNode, type IpfsNode, type StartNodeOptions } from './start';
import { SegmentStoreUnavailableError, WorkerBlockstore } from './segments/workerBlockstore';
import { withLegacyReads } from './segments/legacyReads';

export type { IpfsNode, PeerStatus } from './start';
export type { IpfsBlobStore, PinReport } from './blobStore';
export type { RemotePinResult } from './remotePin';

/** Which local block store holds this browser's blocks. */
export interface LocalStoreInfo {
	kind: 'opfs-segments' | 'indexeddb';
	/** Why the OPFS segment store is not in use, when it is not. */
	fallbackReason?: string;
	/** Bytes in the segment files and bytes that live blocks use (segment store only). */
	stats?: () => Promise<{ segments: number; bytes: number; liveBytes: number }>;
}

export interface BrowserIpfsNode extends IpfsNode {
	localStore: LocalStoreInfo;
}

export interface StartBrowserNodeOptions extends Pick<StartNodeOptions, 'dialTimeoutMs' | 'blobStore' | 'remotePin' | 'gateways' | 'gateway'> {
	/** Multiaddrs of peers to dial, e.g. `/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooW...`. */
	peers?: readonly string[];
	/** Prefix of the local stores' names; blocks survive reloads under this name. */
	dbName?: string;
	/** Set false to run without libp2p at all. */
	networking?: boolean;
	/** `auto` (default): the OPFS segment store where the browser has it, else IndexedDB. */
	blockstore?: 'auto' | 'indexeddb';
}

/**
 * Opens the local stores and starts a light Helia node dialing only the
 * given peers. Blocks go to the OPFS segment store (a worker) where sync
 * access handles exist, else to IndexedDB. Throws IpfsStartError only when no
 * local store can be opened; unreachable peers are reported in `node.peers`.
 */
export async function startBrowserNode(options: StartBrowserNodeOptions = {}): Promise<BrowserIpfsNode> {
	const dbName = options.dbName ?? 'carevault-ipfs';
	const datastore = new IDBDatastore(`${dbName}-data`);
	const closers: (() => Promise<void>)[] = [() => datastore.close()];
	const close = async () => {
		for (const c of closers) await c().catch(() => {});
	};
	try {
		const { blockstore, localStore, importEncrypted } = await openBlockstore(dbName, options.blockstore ?? 'auto', closers);
		await datastore.open();
		const node = await startNode({ ...options, blobStore: { ...options.blobStore, importEncrypted, localBlocks: blockstore }, blockstore, datastore, afterStop: close });
		return Object.assign(node, { localStore });
	} catch (err) {
		await close();
		throw new IpfsStartError({ cause: err });
	}
}

async function openBlockstore(
	dbName: string,
	choice: 'auto' | 'indexeddb',
	closers: (() => Promise<void>)[]
): Promise<{ blockstore: Blockstore; localStore: LocalStoreInfo; importEncrypted?: WorkerBlockstore['importEncrypted'] }> {
	let fallbackReason = 'IndexedDB was chosen';
	if (choice === 'auto') {
		const segments = new WorkerBlockstore(`${dbName}-segments`);
		try {
			await segments.open();
			closers.unshift(() => segments.close());
			// Blocks an earlier version stored in IndexedDB stay readable; new blocks go to the segments.
			const legacy = await openLegacy(`${dbName}-blocks`, closers);
			return {
				blockstore: legacy ? withLegacyReads(segments, legacy) : segments,
				localStore: { kind: 'opfs-segments', stats: () => segments.stats() },
				importEncrypted: (file, opts) => segments.importEncrypted(file, opts)
			};
		} catch (err) {
			if (!(err instanceof SegmentStoreUnavailableError)) throw err;
			fallbackReason = err.reason;
		}
	}
	const idb = new BatchingIDBBlockstore(`${dbName}-blocks`);
	closers.unshift(() => idb.close());
	await idb.open();
	return { blockstore: idb, localStore: { kind: 'indexeddb', fallbackReason } };
}

/** The IndexedDB blockstore of an earlier version, if this browser has one. */
async function openLegacy(name: string, closers: (() => Promise<void>)[]): Promise<BatchingIDBBlockstore | null> {
	const names = await indexedDB.databases?.().catch(() => []);
	if (!names?.some((d) => d.name === name)) return null;
	const idb = new BatchingIDBBlockstore(name);
	closers.unshift(() => idb.close());
	await idb.open();
	return idb;
}
