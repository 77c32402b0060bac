import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpfsPeer } from '../../../scripts/ipfs-peer.mjs';
import { createMemoryNode, type MemoryNode } from './memoryNode';
import { askPeersToPin } from './remotePin';

const MiB = 1024 * 1024;
const PEER_SCRIPT = fileURLToPath(new URL('../../../scripts/ipfs-peer.mjs', import.meta.url));
const WS_MULTIADDR = /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW[1-9A-HJ-NP-Za-km-z]+$/;

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
let peer: Peer;
const nodes: MemoryNode[] = [];

beforeAll(async () => {
	peer = await startIpfsPeer({ port: 0 });
});
afterAll(async () => {
	for (const node of nodes) await node.stop();
	await peer?.stop();
});

async function node(options: Parameters<typeof createMemoryNode>[0]): Promise<MemoryNode> {
	const n = await createMemoryNode(options);
	nodes.push(n);
	return n;
}

function randomBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
	return out;
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return a.length === b.length ? -1 : n;
}

describe('local IPFS peer', () => {
	it('listens on ws://127.0.0.1 and reports a dialable multiaddr with its peer id', () => {
		expect(peer.multiaddrs.length).toBeGreaterThan(0);
		for (const ma of peer.multiaddrs) expect(ma).toMatch(WS_MULTIADDR);
		expect(peer.multiaddrs[0].endsWith(`/p2p/${peer.peerId}`)).toBe(true);
	});

	it('keeps what node A pinned to it, so node B fetches it after A has stopped', async () => {
		const a = await node({ peers: peer.multiaddrs });
		expect(a.peers).toEqual([{ addr: peer.multiaddrs[0], status: 'connected' }]);
		expect(a.connectedPeers()).toBe(1);

		const data = randomBytes(3 * MiB + 4321);
		const cid = await a.blobStore.addStream(pieces(data, MiB + 17));
		const report = await a.blobStore.pinWithReport(cid);
		expect(report).toEqual({ cid, local: 'pinned', remote: [{ peer: peer.peerId, status: 'pinned' }] });
		await a.stop();

		const b = await node({ peers: peer.multiaddrs, blobStore: { timeoutMs: 10_000 } });
		expect(b.peers[0].status).toBe('connected');
		const parts: Uint8Array[] = [];
		for await (const part of b.blobStore.cat(cid)) parts.push(part);
		const got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
		let offset = 0;
		for (const part of parts) {
			got.set(part, offset);
			offset += part.length;
		}
		expect(got.length).toBe(data.length);
		expect(firstDifference(got, data)).toBe(-1);
	});

	it('reports a peer that could not get the blocks as failed, with its reason', async () => {
		const impatient = await startIpfsPeer({ port: 0, pinTimeoutMs: 300 });
		try {
			const a = await node({ peers: impatient.multiaddrs });
			expect(a.libp2p).toBeDefined();
			const nobodyHasIt = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
			const results = await askPeersToPin(a.libp2p!, nobodyHasIt, { timeoutMs: 10_000 });
			expect(results).toHaveLength(1);
			expect(results[0]).toMatchObject({ peer: impatient.peerId, status: 'failed' });
			expect(results[0].error).toMatch(/abort|timeout/i);
		} finally {
			await impatient.stop();
		}
	});

	it('records an unreachable peer and still works offline', async () => {
		const closed = await startIpfsPeer({ port: 0 });
		const addr = closed.multiaddrs[0];
		await closed.stop();
		const n = await node({ peers: [addr, '/not/a/multiaddr'], dialTimeoutMs: 3_000 });
		expect(n.peers.map((p) => p.status)).toEqual(['unreachable', 'invalid']);
		expect(n.connectedPeers()).toBe(0);
		const cid = await n.blobStore.addBytes(new Uint8Array([1, 2, 3]));
		expect(await n.blobStore.pinWithReport(cid)).toEqual({ cid, local: 'pinned', remote: [] });
		expect(await n.blobStore.getBytes(cid)).toEqual(new Uint8Array([1, 2, 3]));
	});
});

describe('scripts/ipfs-peer.mjs as a process', () => {
	it('prints its multiaddr as one JSON line, accepts a connection, and exits 0 on SIGTERM', async () => {
		const child = spawn(process.execPath, [PEER_SCRIPT, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let stderr = '';
		child.stderr.on('data', (d) => (stderr += d));
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		try {
			const line = await new Promise<string>((resolve, reject) => {
				createInterface({ input: child.stdout }).once('line', resolve);
				child.once('exit', (code) => reject(new Error(`peer exited with ${code} before printing: ${stderr}`)));
			});
			const printed = JSON.parse(line) as { multiaddr: string; multiaddrs: string[]; peerId: string; http: string; gateway: string; pinningEndpoint: string; pinningToken: string };
			expect(printed.multiaddr).toMatch(WS_MULTIADDR);
			expect(printed.multiaddr.endsWith(`/p2p/${printed.peerId}`)).toBe(true);
			// Its HTTP side: the trustless gateway and the Pinning Service API, with the token it made.
			expect(printed.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(printed.gateway).toBe(printed.http);
			expect((await fetch(`${printed.gateway}/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?format=raw`)).status).toBe(404);
			expect((await fetch(`${printed.pinningEndpoint}/pins`)).status).toBe(401);
			expect((await fetch(`${printed.pinningEndpoint}/pins`, { headers: { Authorization: `Bearer ${printed.pinningToken}` } })).status).toBe(200);

			const n = await node({ peers: [printed.multiaddr] });
			expect(n.peers[0].status).toBe('connected');
		} finally {
			child.kill('SIGTERM');
		}
		expect(await exited).toBe(0);
	});
});
