import { lpStream } from '@libp2p/utils';
import type { Libp2p, PeerId } from '@libp2p/interface';
import type { CID } from 'multiformats/cid';

/**
 * A tab is not a server: once it closes, its blocks are gone from the network
 * unless another node copied them. Here a browser asks the peers it is
 * connected to over libp2p to pin a CID; the peer then fetches every block
 * from the browser by bitswap and answers once it holds them all. (The local
 * peer also offers the standard IPFS Pinning Service API over HTTP, see
 * scripts/peer-http.mjs, which any pinning service speaks.)
 *
 * Wire format (both directions length-prefixed with an unsigned varint, as in
 * every libp2p protocol; the server side lives in scripts/ipfs-peer.mjs):
 *   request  UTF-8 JSON {"cid":"<CIDv1 string>"}
 *   response UTF-8 JSON {"ok":true} | {"ok":false,"error":"<text>"}
 */
export const PIN_PROTOCOL = '/carevault/pin/1.0.0';
/**
 * The reverse, for a blob pinned with an unpin tag (a SMART Health Link's
 * file): request {"cid":"…","secret":"<base64url>"}; the peer unpins and
 * deletes the block only when SHA-256(secret) is the tag it was pinned with,
 * so nobody else can make it drop what someone pinned. A separate protocol,
 * so a peer that knows only pinning answers "unsupported" instead of pinning.
 */
export const UNPIN_PROTOCOL = '/carevault/unpin/1.0.0';

const MAX_MESSAGE_BYTES = 4096;

export type RemotePinStatus = 'pinned' | 'unpinned' | 'failed' | 'unsupported';

export interface RemotePinResult {
	/** Peer id (base58 / base36 string). */
	peer: string;
	status: RemotePinStatus;
	/** Why the peer did not pin it, for status displays and logs. */
	error?: string;
}

export interface AskPeersToPinOptions {
	signal?: AbortSignal;
	/**
	 * How long one peer may take to fetch the whole DAG and answer. The peer
	 * pulls every block from us first, so this grows with the blob size.
	 * @default 300_000
	 */
	timeoutMs?: number;
	/** Hex SHA-256 of a secret that can later unpin it (askPeersToUnpin); absent: nobody can. */
	unpinTag?: string;
}

type PinLibp2p = Pick<Libp2p, 'getConnections' | 'dialProtocol'>;

/**
 * Asks every connected peer to pin `cid` and waits for all answers. Never
 * throws for a peer's failure: each peer gets a result. Peers that do not
 * speak the protocol (other browsers) come back `unsupported`.
 */
export async function askPeersToPin(
	libp2p: PinLibp2p,
	cid: CID,
	options: AskPeersToPinOptions = {}
): Promise<RemotePinResult[]> {
	const peers = new Map<string, PeerId>();
	for (const connection of libp2p.getConnections()) {
		if (connection.status === 'open') peers.set(connection.remotePeer.toString(), connection.remotePeer);
	}
	return Promise.all([...peers.values()].map((peer) => askPeerToPin(libp2p, peer, cid, options)));
}

/** Asks one peer to pin `cid`; see {@link askPeersToPin}. */
export function askPeerToPin(libp2p: PinLibp2p, peer: PeerId, cid: CID, options: AskPeersToPinOptions = {}): Promise<RemotePinResult> {
	const request = { cid: cid.toString(), ...(options.unpinTag ? { unpinTag: options.unpinTag } : {}) };
	return askPeer(libp2p, peer, PIN_PROTOCOL, request, 'pinned', options);
}

/**
 * Asks every connected peer to unpin `cid` pinned with the tag of `secret`
 * (base64url); see UNPIN_PROTOCOL. Never throws for a peer's failure.
 */
export async function askPeersToUnpin(
	libp2p: PinLibp2p,
	cid: CID,
	secret: string,
	options: Pick<AskPeersToPinOptions, 'signal' | 'timeoutMs'> = {}
): Promise<RemotePinResult[]> {
	const peers = new Map<string, PeerId>();
	for (const connection of libp2p.getConnections()) {
		if (connection.status === 'open') peers.set(connection.remotePeer.toString(), connection.remotePeer);
	}
	return Promise.all(
		[...peers.values()].map((peer) => askPeer(libp2p, peer, UNPIN_PROTOCOL, { cid: cid.toString(), secret }, 'unpinned', { timeoutMs: 30_000, ...options }))
	);
}

async function askPeer(
	libp2p: PinLibp2p,
	peer: PeerId,
	protocol: string,
	request: Record<string, string>,
	done: 'pinned' | 'unpinned',
	options: Pick<AskPeersToPinOptions, 'signal' | 'timeoutMs'>
): Promise<RemotePinResult> {
	const timeout = AbortSignal.timeout(options.timeoutMs ?? 300_000);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	const id = peer.toString();
	let stream;
	try {
		stream = await libp2p.dialProtocol(peer, protocol, { signal });
	} catch (err) {
		options.signal?.throwIfAborted();
		if (errorName(err) === 'UnsupportedProtocolError') return { peer: id, status: 'unsupported' };
		return { peer: id, status: 'failed', error: describe(err, timeout) };
	}
	try {
		const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
		await lp.write(new TextEncoder().encode(JSON.stringify(request)), { signal });
		const reply = parseReply((await lp.read({ signal })).subarray());
		await stream.close({ signal }).catch(() => {});
		return reply.ok
			? { peer: id, status: done }
			: { peer: id, status: 'failed', error: reply.error ?? `the peer refused (${done === 'pinned' ? 'pin' : 'unpin'})` };
	} catch (err) {
		stream.abort(err instanceof Error ? err : new Error(String(err)));
		options.signal?.throwIfAborted();
		return { peer: id, status: 'failed', error: describe(err, timeout) };
	}
}

function parseReply(bytes: Uint8Array): { ok: boolean; error?: string } {
	const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
	if (value === null || typeof value !== 'object' || typeof (value as { ok?: unknown }).ok !== 'boolean')
		throw new Error('malformed pin reply');
	const { ok, error } = value as { ok: boolean; error?: unknown };
	return { ok, error: typeof error === 'string' ? error : undefined };
}

function errorName(err: unknown): string | undefined {
	return err instanceof Error ? err.name : undefined;
}

function describe(err: unknown, timeout: AbortSignal): string {
	if (timeout.aborted) return 'the peer did not answer in time';
	return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
