import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify } from '@libp2p/identify';
import { KEEP_ALIVE, type Libp2p, type ServiceMap } from '@libp2p/interface';
import { webSockets } from '@libp2p/websockets';
import { multiaddr } from '@multiformats/multiaddr';
import { createHeliaLight, type Helia } from 'helia';
import type { Blockstore } from 'interface-blockstore';
import type { Datastore } from 'interface-datastore';
import type { SourceAttempt } from '../errors';
import { createBlobStore, type CreateBlobStoreOptions, type IpfsBlobStore } from './blobStore';
import { gatewayBroker, type GatewayBrokerOptions } from './gatewayBroker';
import { askPeersToPin, askPeersToUnpin, type AskPeersToPinOptions } from './remotePin';

export interface PeerStatus {
	/** The multiaddr as configured. */
	addr: string;
	status: 'connected' | 'unreachable' | 'invalid';
	error?: string;
}

export interface IpfsNode {
	helia: Helia;
	/** The libp2p node, when networking is on. */
	libp2p: Libp2p | undefined;
	blobStore: IpfsBlobStore;
	/** `off`: networking was not asked for; `failed`: libp2p did not start, the node runs offline. */
	readonly networking: 'on' | 'off' | 'failed';
	/** Why networking failed, when it did. */
	readonly networkingError?: unknown;
	/** Outcome of the last dial of each configured peer. */
	readonly peers: readonly PeerStatus[];
	/** Peers with an open connection right now (configured or not). */
	connectedPeers(): number;
	/** Dials the configured peers again, e.g. after the peer process restarted. */
	reconnect(options?: { signal?: AbortSignal }): Promise<readonly PeerStatus[]>;
	stop(): Promise<void>;
}

export interface StartNodeOptions {
	blockstore: Blockstore;
	datastore: Datastore;
	/** Networking on (libp2p + bitswap) unless false. */
	networking?: boolean;
	/** Multiaddrs to dial after start: `/ip4/127.0.0.1/tcp/<port>/ws/p2p/<peerId>`. */
	peers?: readonly string[];
	/** Trustless gateways to fetch missing blocks from (`https://gw.example`), tried in order. */
	gateways?: readonly string[];
	gateway?: GatewayBrokerOptions;
	/** @default 10_000 */
	dialTimeoutMs?: number;
	blobStore?: Omit<CreateBlobStoreOptions, 'remotePin' | 'attempts'>;
	remotePin?: Pick<AskPeersToPinOptions, 'timeoutMs'>;
	/** Runs after Helia stopped, to close the stores the caller opened. */
	afterStop?: () => Promise<void>;
}

/**
 * Starts a light Helia node over the given stores (no DHT, no bootstrap: only
 * the peers and trustless gateways we name). Blocks come from connected peers
 * by bitswap and from the gateways over HTTP, whichever answers first; Helia
 * checks every one against its CID before it is stored or returned. A failure
 * to start networking or to reach a peer is recorded, never thrown: the local
 * blockstore still works. When a blob cannot be found, the BlobNotFoundError
 * names every peer and gateway and what each answered.
 */
export async function startNode(options: StartNodeOptions): Promise<IpfsNode> {
	const { datastore } = options;
	const configured = [...(options.peers ?? [])];
	const gateways = gatewayBroker(options.gateways ?? [], options.gateway);
	const blockBrokers = (options.gateways?.length ?? 0) > 0 ? [gateways] : [];
	const blockstore = options.blockstore;
	let networking: IpfsNode['networking'] = options.networking === false ? 'off' : 'on';
	let helia: Helia;
	let libp2pHelia: HeliaWithLibp2p<ServiceMap> | undefined;
	let networkingError: unknown;

	if (networking === 'on') {
		const networked = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore, blockBrokers }), libp2pOptions()));
		try {
			await networked.start();
			helia = networked;
			libp2pHelia = networked;
		} catch (err) {
			await networked.stop().catch(() => {});
			networking = 'failed';
			networkingError = err;
			helia = createHeliaLight({ blockstore, datastore, blockBrokers });
			await helia.start();
		}
	} else {
		helia = createHeliaLight({ blockstore, datastore, blockBrokers });
		await helia.start();
	}

	let peers: PeerStatus[] = [];
	const connectedIds = () => new Set(libp2pHelia?.libp2p.getConnections().map((c) => c.remotePeer.toString()) ?? []);
	const attempts = (cid: string): SourceAttempt[] => [
		...peerAttempts(peers, connectedIds(), networking),
		...gateways.attempts(cid)
	];

	const blobStore = createBlobStore(helia, {
		...options.blobStore,
		attempts,
		remotePin: libp2pHelia
			? (cid, { signal, unpinTag }) => askPeersToPin(libp2pHelia.libp2p, cid, { ...options.remotePin, signal, ...(unpinTag ? { unpinTag } : {}) })
			: undefined,
		deleteBlock: async (cid, { signal }) => {
			await blockstore.delete(cid, { signal });
		},
		remoteUnpin: libp2pHelia ? (cid, secret, { signal }) => askPeersToUnpin(libp2pHelia.libp2p, cid, secret, { signal }) : undefined
	});

	const reconnect = async (opts: { signal?: AbortSignal } = {}) => {
		if (!libp2pHelia) peers = configured.map((addr) => ({ addr, status: 'unreachable', error: 'networking is off' }));
		else peers = await dialAll(libp2pHelia, configured, options.dialTimeoutMs ?? 10_000, opts.signal);
		return peers;
	};
	await reconnect();

	return {
		helia,
		libp2p: libp2pHelia?.libp2p,
		blobStore,
		get networking() {
			return networking;
		},
		get networkingError() {
			return networkingError;
		},
		get peers() {
			return peers;
		},
		connectedPeers: () =>
			libp2pHelia ? new Set(libp2pHelia.libp2p.getConnections().map((c) => c.remotePeer.toString())).size : 0,
		reconnect,
		stop: async () => {
			await helia.stop();
			await options.afterStop?.();
		}
	};
}

/** What each configured peer can be said to have answered, for BlobNotFoundError. */
function peerAttempts(peers: readonly PeerStatus[], connected: ReadonlySet<string>, networking: IpfsNode['networking']): SourceAttempt[] {
	return peers.map(({ addr, status }) => {
		const source = `the IPFS peer ${addr}`;
		if (networking !== 'on') return { source, result: networking === 'off' ? 'not asked: networking is off' : 'not asked: networking failed to start' };
		if (status === 'invalid') return { source, result: 'not a valid address' };
		const id = /\/p2p\/([^/]+)$/.exec(addr)?.[1];
		if (status === 'connected' && id !== undefined && connected.has(id)) return { source, result: 'connected, but it did not send the data' };
		if (status === 'connected') return { source, result: 'the connection was lost' };
		return { source, result: 'unreachable' };
	});
}

function libp2pOptions() {
	return {
		addresses: { listen: [] },
		transports: [webSockets(), circuitRelayTransport()],
		connectionEncrypters: [noise()],
		streamMuxers: [yamux()],
		// libp2p's browser default refuses ws:// and private addresses; our peer is
		// ws://127.0.0.1 in development, and we only ever dial addresses we were given.
		connectionGater: { denyDialMultiaddr: () => false },
		services: { identify: identify() }
	};
}

async function dialAll(
	helia: HeliaWithLibp2p<ServiceMap>,
	addrs: readonly string[],
	timeoutMs: number,
	signal?: AbortSignal
): Promise<PeerStatus[]> {
	return Promise.all(
		addrs.map(async (addr): Promise<PeerStatus> => {
			let ma;
			try {
				ma = multiaddr(addr);
			} catch (err) {
				return { addr, status: 'invalid', error: err instanceof Error ? err.message : String(err) };
			}
			const timeout = AbortSignal.timeout(timeoutMs);
			try {
				const connection = await helia.libp2p.dial(ma, {
					signal: signal ? AbortSignal.any([signal, timeout]) : timeout
				});
				// Keep-alive makes libp2p redial this peer by itself if the link drops.
				await helia.libp2p.peerStore.merge(connection.remotePeer, { tags: { [KEEP_ALIVE]: { value: 1 } } });
				return { addr, status: 'connected' };
			} catch (err) {
				signal?.throwIfAborted();
				return { addr, status: 'unreachable', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
			}
		})
	);
}
