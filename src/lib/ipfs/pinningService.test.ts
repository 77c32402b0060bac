// Remote copies through the IPFS Pinning Service API, against the real local
// peer (scripts/ipfs-peer.mjs: blocks on disk, bitswap, the API over HTTP) and
// a real in-memory Helia node standing in for the browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryNode, type MemoryNode } from './memoryNode';
import { pinningServiceClient, remoteCopyPort } from './pinningService';
import { startIpfsPeer } from '../../../scripts/ipfs-peer.mjs';
import { CopyQueue } from '../vault/remote/queue';
import type { RemoteCopy } from '../vault/remote/ports';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import {
	RemoteCopyFailedError,
	RemoteCopyTokenRefusedError,
	RemoteCopyUnreachableError
} from '../vault/remote/errors';

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
let peer: Peer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
	peer = await startIpfsPeer({ port: 0, httpPort: 0 });
	cleanups.push(() => peer.stop());
});
afterAll(async () => {
	for (const fn of cleanups.reverse()) await fn().catch(() => {});
});

async function browserLike(): Promise<MemoryNode> {
	// Networking on, no peer dialled: the service's delegates are the only way the blocks leave.
	const node = await createMemoryNode({ networking: true });
	cleanups.push(() => node.stop());
	return node;
}

function random(n: number): Uint8Array {
	const out = new Uint8Array(n);
	for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
	return out;
}

/** The status the peer's trustless gateway answers for `cid` (it serves only blocks it holds). */
async function fromGateway(cid: string): Promise<{ status: number }> {
	const response = await fetch(`${peer.gateway}/ipfs/${cid}?format=car`);
	await response.arrayBuffer();
	return { status: response.status };
}

const remote = (token = peer.pinning.token): RemoteCopy => ({ id: 'local', kind: 'pinning-service', name: 'local peer', endpoint: peer.pinning.endpoint, token });

describe('pinningServiceClient against the local peer', () => {
	it('pins a 3 MiB file held only by a node the peer never dialled: the node connects to the delegates and the peer fetches every block', async () => {
		const node = await browserLike();
		const data = random(3 * 1024 * 1024 + 5);
		const cid = await node.blobStore.addBytes(data);
		expect((await fromGateway(cid)).status).toBe(404);
		const client = remoteCopyPort(node, { pollMs: 100 }).client(remote());
		await client.pin(cid, { name: 'test' });
		await node.stop();
		const reader = await fromGateway(cid);
		expect(reader.status).toBe(200);
		// The peer really holds the bytes: a fresh node reads them back through it.
		const other = await createMemoryNode({ peers: peer.multiaddrs });
		cleanups.push(() => other.stop());
		expect(Buffer.compare(Buffer.from(await other.blobStore.getBytes(cid)), Buffer.from(data))).toBe(0);
		// Asking again is answered from the pin list: no second pin request.
		const before = (await (await fetch(`${peer.pinning.endpoint}/pins?cid=${cid}`, { headers: { Authorization: `Bearer ${peer.pinning.token}` } })).json()) as { count: number };
		await client.pin(cid);
		const after = (await (await fetch(`${peer.pinning.endpoint}/pins?cid=${cid}`, { headers: { Authorization: `Bearer ${peer.pinning.token}` } })).json()) as { count: number };
		expect(after.count).toBe(before.count);
	});

	it('a wrong token is RemoteCopyTokenRefusedError, for check and pin alike', async () => {
		const client = pinningServiceClient(remote('wrong-token'));
		await expect(client.check()).rejects.toBeInstanceOf(RemoteCopyTokenRefusedError);
		await expect(client.pin('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).rejects.toBeInstanceOf(RemoteCopyTokenRefusedError);
		await expect(pinningServiceClient(remote()).check()).resolves.toBeUndefined();
	});

	it('an endpoint where nothing listens is RemoteCopyUnreachableError; a malformed CID is the service’s refusal', async () => {
		const nothing = pinningServiceClient({ endpoint: 'http://127.0.0.1:9', token: 'x' });
		await expect(nothing.check()).rejects.toBeInstanceOf(RemoteCopyUnreachableError);
		const err = await pinningServiceClient(remote()).pin('not-a-cid').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(RemoteCopyFailedError);
		expect((err as Error).message).toMatch(/HTTP 400/);
	});
});

describe('CopyQueue against the local peer', () => {
	it('copies every enqueued CID, records a wrong token as failed with its reason, and a retry after the token is fixed copies it; the state survives a reload', async () => {
		const node = await browserLike();
		const port = remoteCopyPort(node, { pollMs: 100 });
		const local = memoryLocal();
		const address = '0x00000000000000000000000000000000000000a1' as const;
		let remotes: RemoteCopy[] = [remote(), { ...remote('wrong'), id: 'bad', name: 'bad token' }];
		const cids = [await node.blobStore.addBytes(random(1000)), await node.blobStore.addBytes(random(2_000_000))];
		const queue = new CopyQueue({ local, address, remotes: () => remotes, client: (r) => port.client(r) });
		queue.enqueue(cids);
		await queue.idle();
		expect(queue.stateOf(cids[1]).map((s) => [s.remote.id, s.state.state])).toEqual([
			['local', 'copied'],
			['bad', 'failed']
		]);
		const failed = queue.stateOf(cids[0])[1].state;
		expect(failed.state === 'failed' && failed.error).toMatch(/refused the access token/);
		expect(queue.count(cids)).toEqual({ notCopied: 2, failed: 2 });
		for (const cid of cids) expect((await fromGateway(cid)).status).toBe(200);

		// Another page load: the saved states come back, the failures can be retried.
		remotes = [remote(), { ...remote(), id: 'bad', name: 'fixed token' }];
		const again = new CopyQueue({ local, address, remotes: () => remotes, client: (r) => port.client(r) });
		await again.load();
		expect(again.count(cids)).toEqual({ notCopied: 2, failed: 2 });
		again.retry();
		await again.idle();
		expect(again.count(cids)).toEqual({ notCopied: 0, failed: 0 });
	});

	it('pins left pending when the tab closed run after the next load', async () => {
		const node = await browserLike();
		const port = remoteCopyPort(node, { pollMs: 100 });
		const local = memoryLocal();
		const address = '0x00000000000000000000000000000000000000a2' as const;
		const cid = await node.blobStore.addBytes(random(5000));
		const first = new CopyQueue({ local, address, remotes: () => [remote()], client: (r) => port.client(r) });
		first.stop(); // the tab closes before anything ran
		first.enqueue([cid]);
		await new Promise((r) => setTimeout(r, 50));
		expect(first.count([cid])).toEqual({ notCopied: 1, failed: 0 });
		const next = new CopyQueue({ local, address, remotes: () => [remote()], client: (r) => port.client(r) });
		await next.load();
		next.resume();
		await next.idle();
		expect(next.count([cid])).toEqual({ notCopied: 0, failed: 0 });
		expect((await fromGateway(cid)).status).toBe(200);
	});
});
