// The local peer's trustless gateway, the Pinning Service API's origins and
// delegates, and blocks kept on disk across a restart: real Helia peers, real
// HTTP, no stand-ins.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryNode, type MemoryNode } from '../src/lib/ipfs/memoryNode';
import { startIpfsPeer } from './ipfs-peer.mjs';

const MiB = 1024 * 1024;
type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
	for (const fn of cleanups.reverse()) await fn().catch(() => {});
});

async function peerAt(options: Parameters<typeof startIpfsPeer>[0] = {}): Promise<Peer> {
	const p = await startIpfsPeer({ port: 0, httpPort: 0, ...options });
	cleanups.push(() => p.stop());
	return p;
}

async function memoryNode(peers: string[]): Promise<MemoryNode> {
	const n = await createMemoryNode({ peers });
	cleanups.push(() => n.stop());
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

async function api(p: Peer, path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${p.pinning.endpoint}${path}`, {
		...init,
		headers: { Authorization: `Bearer ${p.pinning.token}`, 'Content-Type': 'application/json', ...init.headers }
	});
}

/** Polls GET /pins/{id} until the pin leaves queued/pinning (the test timeout bounds it). */
async function settled(p: Peer, requestid: string): Promise<{ status: string; info?: Record<string, string> }> {
	for (;;) {
		const status = (await (await api(p, `/pins/${requestid}`)).json()) as { status: string; info?: Record<string, string> };
		if (status.status === 'pinned' || status.status === 'failed') return status;
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** Adds `data` on a fresh node connected to `p` and has `p` pin it through its Pinning Service API. */
async function copyTo(p: Peer, data: Uint8Array): Promise<string> {
	const node = await memoryNode(p.multiaddrs);
	const cid = await node.blobStore.addStream(pieces(data, MiB + 17));
	const res = await api(p, '/pins', { method: 'POST', body: JSON.stringify({ cid, name: 'test' }) });
	expect(res.status).toBe(202);
	const { requestid } = (await res.json()) as { requestid: string };
	expect((await settled(p, requestid)).status).toBe('pinned');
	return cid;
}

/** The file bytes of a UnixFS DAG from a map of verified blocks (raw leaves in link order). */
function reassemble(root: CID, blocks: Map<string, Uint8Array>): Uint8Array {
	const block = blocks.get(root.toString());
	if (!block) throw new Error(`missing ${root}`);
	if (root.code === raw.code) return block;
	const parts = dagPb.decode(block).Links.map((l) => reassemble(l.Hash, blocks));
	return new Uint8Array(Buffer.concat(parts));
}

describe('trustless gateway', () => {
	let peer: Peer;
	let data: Uint8Array;
	let cid: string;
	beforeAll(async () => {
		peer = await peerAt();
		data = randomBytes(2 * MiB + 999);
		cid = await copyTo(peer, data);
	});

	it('serves a block as application/vnd.ipld.raw for ?format=raw and for the Accept header, hashing to its CID', async () => {
		const root = CID.parse(cid);
		for (const [path, headers] of [
			[`/ipfs/${cid}?format=raw`, {}],
			[`/ipfs/${cid}`, { Accept: 'application/vnd.ipld.raw' }],
			[`/ipfs/${cid}`, { Accept: 'text/html;q=0.9, application/vnd.ipld.raw;q=1' }]
		] as const) {
			const res = await fetch(`${peer.gateway}${path}`, { headers });
			expect(res.status, path).toBe(200);
			expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw');
			expect(res.headers.get('access-control-allow-origin')).toBe('*');
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
			const bytes = new Uint8Array(await res.arrayBuffer());
			expect((await sha256.digest(bytes)).digest).toEqual(root.multihash.digest);
		}
		const leaf = dagPb.decode(new Uint8Array(await (await fetch(`${peer.gateway}/ipfs/${cid}?format=raw`)).arrayBuffer())).Links[0].Hash;
		const leafBytes = new Uint8Array(await (await fetch(`${peer.gateway}/ipfs/${leaf}?format=raw`)).arrayBuffer());
		expect(sameBytes(leafBytes, data.subarray(0, MiB))).toBe(true);
	});

	it('serves the whole DAG as a CARv1 (dfs, no duplicates) for ?format=car and Accept variants; every block verifies and the file reassembles', async () => {
		for (const headers of [
			{},
			{ Accept: 'application/vnd.ipld.car' },
			{ Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' }
		]) {
			const path = Object.keys(headers).length === 0 ? `/ipfs/${cid}?format=car` : `/ipfs/${cid}`;
			const res = await fetch(`${peer.gateway}${path}`, { headers });
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n');
			expect(res.headers.get('access-control-allow-origin')).toBe('*');
			const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
			expect((await reader.getRoots()).map(String)).toEqual([cid]);
			const blocks = new Map<string, Uint8Array>();
			const order: string[] = [];
			for await (const { cid: c, bytes } of reader.blocks()) {
				expect((await sha256.digest(bytes)).digest).toEqual(c.multihash.digest);
				blocks.set(c.toString(), bytes);
				order.push(c.toString());
			}
			expect(order[0]).toBe(cid);
			expect(order.length).toBe(4); // root + 3 leaves
			expect(sameBytes(reassemble(CID.parse(cid), blocks), data)).toBe(true);
		}
	});

	it('answers HEAD with the headers and no body', async () => {
		const res = await fetch(`${peer.gateway}/ipfs/${cid}?format=raw`, { method: 'HEAD' });
		expect(res.status).toBe(200);
		expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
		expect((await res.arrayBuffer()).byteLength).toBe(0);
	});

	it('answers a CORS preflight from any origin', async () => {
		const res = await fetch(`${peer.gateway}/pins`, {
			method: 'OPTIONS',
			headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' }
		});
		expect(res.status).toBe(204);
		expect(res.headers.get('access-control-allow-origin')).toBe('*');
		expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
		expect(res.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
	});

	it('answers 404 at once for a block it does not hold (it never asks the network), with CORS', async () => {
		const missing = CID.create(1, raw.code, await sha256.digest(randomBytes(32))).toString();
		for (const format of ['raw', 'car']) {
			const res = await fetch(`${peer.gateway}/ipfs/${missing}?format=${format}`);
			expect(res.status).toBe(404);
			expect(res.headers.get('access-control-allow-origin')).toBe('*');
			expect(await res.text()).toContain(missing);
		}
	});

	it('refuses what a trustless gateway does not serve: CARv2 (the file instead), a bad CID (400), a path (400)', async () => {
		const v2 = await fetch(`${peer.gateway}/ipfs/${cid}`, { headers: { Accept: 'application/vnd.ipld.car; version=2' } });
		expect(v2.status).toBe(200);
		expect(v2.headers.get('content-type')).toBe('application/octet-stream');
		expect(sameBytes(new Uint8Array(await v2.arrayBuffer()), data)).toBe(true);
		expect((await fetch(`${peer.gateway}/ipfs/not-a-cid?format=raw`)).status).toBe(400);
		expect((await fetch(`${peer.gateway}/ipfs/${cid}/file.txt?format=raw`)).status).toBe(400);
		expect((await fetch(`${peer.gateway}/ipfs/${cid}?format=tar`)).status).toBe(400);
	});
});

describe('Pinning Service API: origins and delegates', () => {
	it('returns its own multiaddrs as delegates, dials the origins of a pin, fetches the DAG from them by bitswap, and then serves it', async () => {
		const holder = await peerAt();
		const data = randomBytes(MiB + 5);
		const cid = await copyTo(holder, data);
		const pinner = await peerAt();

		const res = await api(pinner, '/pins', { method: 'POST', body: JSON.stringify({ cid, origins: holder.multiaddrs }) });
		expect(res.status).toBe(202);
		const status = (await res.json()) as { requestid: string; delegates: string[] };
		expect(status.delegates).toEqual(pinner.multiaddrs);
		for (const d of status.delegates) expect(d.endsWith(`/p2p/${pinner.peerId}`)).toBe(true);
		expect(await settled(pinner, status.requestid)).toMatchObject({ status: 'pinned' });

		await holder.stop();
		const car = await fetch(`${pinner.gateway}/ipfs/${cid}?format=car`);
		expect(car.status).toBe(200);
		const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()));
		const blocks = new Map<string, Uint8Array>();
		for await (const { cid: c, bytes } of reader.blocks()) blocks.set(c.toString(), bytes);
		expect(sameBytes(reassemble(CID.parse(cid), blocks), data)).toBe(true);
	});

	it('marks a pin failed, with a reason, when no origin or peer has the blocks in time', async () => {
		const impatient = await peerAt({ pinTimeoutMs: 300 });
		const missing = CID.create(1, raw.code, await sha256.digest(randomBytes(32))).toString();
		const res = await api(impatient, '/pins', { method: 'POST', body: JSON.stringify({ cid: missing, origins: ['/ip4/127.0.0.1/tcp/1/ws'] }) });
		const { requestid } = (await res.json()) as { requestid: string };
		const done = await settled(impatient, requestid);
		expect(done.status).toBe('failed');
		expect(done.info?.status_details).toMatch(/did not arrive in time/);
		const listed = (await (await api(impatient, '/pins?status=failed')).json()) as { count: number };
		expect(listed.count).toBe(1);
	});

	it('refuses a malformed pin with 400 and a Failure body', async () => {
		const p = await peerAt();
		for (const body of ['{"cid":"nope"}', '{"name":"no cid"}', 'not json', JSON.stringify({ cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', origins: 'x' })]) {
			const res = await api(p, '/pins', { method: 'POST', body });
			expect(res.status, body).toBe(400);
			expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe('BAD_REQUEST');
		}
	});
});

describe('blocks on disk', () => {
	it('keeps blocks, pins and its peer id across a restart with the same data dir; the gateway still serves them', async () => {
		const dataDir = await mkdtemp(join(tmpdir(), 'carevault-peer-test-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
		const first = await startIpfsPeer({ port: 0, httpPort: 0, dataDir, pinningToken: 'restart-test-token-0123456789' });
		let data: Uint8Array;
		let cid: string;
		try {
			data = randomBytes(MiB + 321);
			cid = await copyTo(first, data);
		} finally {
			await first.stop();
		}
		const second = await peerAt({ dataDir, pinningToken: 'restart-test-token-0123456789' });
		expect(second.peerId).toBe(first.peerId);
		expect(second.http).not.toBe(''); // a new HTTP port, same data

		const res = await fetch(`${second.gateway}/ipfs/${cid}?format=car`);
		expect(res.status).toBe(200);
		const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
		const blocks = new Map<string, Uint8Array>();
		for await (const { cid: c, bytes } of reader.blocks()) blocks.set(c.toString(), bytes);
		expect(sameBytes(reassemble(CID.parse(cid), blocks), data)).toBe(true);

		const pins = (await (await api(second, '/pins')).json()) as { count: number; results: { pin: { cid: string }; status: string }[] };
		expect(pins.count).toBe(1);
		expect(pins.results[0]).toMatchObject({ status: 'pinned', pin: { cid } });
	});
});
