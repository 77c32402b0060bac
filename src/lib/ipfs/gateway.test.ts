// Another device (or a doctor's browser) fetching blocks from the trustless
// gateways and peers a site names: real Helia nodes against the real local
// peer process, every block checked against its CID, and a failure that names
// every source and what it answered, in bounded time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPayload } from '../vault/fetchPayload';
import { PayloadUnavailableError } from '../vault/errors';
import { BlobNotFoundError } from './errors';
import { gatewayBase } from './gatewayBroker';
import { createMemoryNode, type MemoryNode } from './memoryNode';

const MiB = 1024 * 1024;
const PEER_SCRIPT = fileURLToPath(new URL('../../../scripts/ipfs-peer.mjs', import.meta.url));

interface PeerProcess {
	child: ChildProcess;
	multiaddr: string;
	gateway: string;
	pinningEndpoint: string;
	pinningToken: string;
}

/** The local peer as `npm start` runs it: its own process, talking over WebSockets and HTTP. */
async function startPeerProcess(): Promise<PeerProcess> {
	const child = spawn(process.execPath, [PEER_SCRIPT, '--port', '0', '--http-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr!.on('data', (d) => (stderr += d));
	const line = await new Promise<string>((resolve, reject) => {
		createInterface({ input: child.stdout! }).once('line', resolve);
		child.once('exit', (code) => reject(new Error(`peer exited with ${code}: ${stderr}`)));
	});
	return { child, ...(JSON.parse(line) as Omit<PeerProcess, 'child'>) };
}

async function stopPeerProcess(p: PeerProcess): Promise<void> {
	if (p.child.exitCode !== null) return;
	const exited = new Promise((resolve) => p.child.once('exit', resolve));
	p.child.kill('SIGTERM');
	await exited;
}

const nodes: MemoryNode[] = [];
const servers: Server[] = [];
let peer: PeerProcess;
let data: Uint8Array;
let cid: string;

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

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
	return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** An HTTP server of someone else's: answers every block request with `answer`. */
async function otherGateway(answer: (cid: string) => { status: number; body?: Uint8Array }): Promise<string> {
	const server = createServer((req, res) => {
		const m = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '');
		const { status, body } = answer(m?.[1] ?? '');
		res.writeHead(status, { 'Content-Type': 'application/vnd.ipld.raw' });
		res.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	servers.push(server);
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A URL where nothing listens (a server started, then closed). */
async function deadUrl(): Promise<string> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
	peer = await startPeerProcess();
	// The patient's device: adds a record and has the peer pin it through its Pinning Service API.
	const patient = await node({ peers: [peer.multiaddr] });
	data = randomBytes(2 * MiB + 4567);
	cid = await patient.blobStore.addStream(pieces(data, MiB + 17));
	const res = await fetch(`${peer.pinningEndpoint}/pins`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${peer.pinningToken}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ cid })
	});
	const { requestid } = (await res.json()) as { requestid: string };
	for (;;) {
		const status = (await (await fetch(`${peer.pinningEndpoint}/pins/${requestid}`, { headers: { Authorization: `Bearer ${peer.pinningToken}` } })).json()) as { status: string };
		if (status.status === 'pinned') break;
		if (status.status === 'failed') throw new Error('the peer could not pin the test data');
		await new Promise((r) => setTimeout(r, 50));
	}
	await patient.stop();
});

afterAll(async () => {
	for (const n of nodes) await n.stop().catch(() => {});
	for (const s of servers) s.closeAllConnections();
	for (const s of servers) await new Promise((resolve) => s.close(resolve));
	if (peer) await stopPeerProcess(peer);
});

describe('fetching from trustless gateways', () => {
	it('another device with only the gateway (no peer connection) reads the record byte for byte', async () => {
		const device = await node({ gateways: [peer.gateway] });
		expect(device.connectedPeers()).toBe(0);
		expect(same(await device.blobStore.getBytes(cid), data)).toBe(true);
		// The blocks are now on this device too.
		expect(await device.blockstore.has(CID.parse(cid))).toBe(true);
	});

	it('skips a gateway that sends bytes not matching the CID, uses the next one, and stores only verified blocks', async () => {
		let asked = 0;
		const liar = await otherGateway(() => {
			asked++;
			return { status: 200, body: randomBytes(1000) };
		});
		const device = await node({ gateways: [liar, peer.gateway] });
		expect(same(await device.blobStore.getBytes(cid), data)).toBe(true);
		expect(asked).toBeGreaterThan(0);
		for await (const { cid: stored, bytes } of device.blockstore.getAll()) {
			const parts: Uint8Array[] = [];
			for await (const p of bytes) parts.push(p);
			expect((await sha256.digest(new Uint8Array(Buffer.concat(parts)))).digest).toEqual(stored.multihash.digest);
		}
	});

	it('refuses a record served only by a lying gateway, naming it and what it did', async () => {
		const liar = await otherGateway(() => ({ status: 200, body: new TextEncoder().encode('not your record') }));
		const device = await node({ gateways: [`${liar}/ipfs/`] });
		const err = await device.blobStore.getBytes(cid).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BlobNotFoundError);
		expect((err as BlobNotFoundError).attempts).toEqual([{ source: `the gateway ${liar}`, result: 'sent a block that does not match its CID' }]);
		expect((err as BlobNotFoundError).shortMessage).toContain(`the gateway ${liar} (sent a block that does not match its CID)`);
		expect(await device.blockstore.has(CID.parse(cid))).toBe(false);
	});

	it('when nothing answers, names every peer and gateway tried and what each said, within the time limit', async () => {
		const gone = await startPeerProcess();
		await stopPeerProcess(gone);
		const nowhere = await deadUrl();
		const empty = await otherGateway(() => ({ status: 404 }));
		const missing = CID.create(1, raw.code, await sha256.digest(randomBytes(64))).toString();
		const device = await node({
			peers: [gone.multiaddr, peer.multiaddr],
			gateways: [nowhere, empty, peer.gateway],
			dialTimeoutMs: 3_000,
			blobStore: { timeoutMs: 1_500 }
		});

		// Another read that the gateways do answer runs meanwhile: it must not make them look as if they had answered this one.
		const [err, other] = await Promise.all([device.blobStore.getBytes(missing).catch((e: unknown) => e), device.blobStore.getBytes(cid)]);
		expect(same(other as Uint8Array, data)).toBe(true);
		expect(err).toBeInstanceOf(BlobNotFoundError);
		expect((err as BlobNotFoundError).attempts).toEqual([
			{ source: `the IPFS peer ${gone.multiaddr}`, result: 'unreachable' },
			{ source: `the IPFS peer ${peer.multiaddr}`, result: 'connected, but it did not send the data' },
			{ source: `the gateway ${nowhere}`, result: 'unreachable' },
			{ source: `the gateway ${empty}`, result: 'does not have it' },
			{ source: `the gateway ${peer.gateway}`, result: 'does not have it' }
		]);
		const message = (err as BlobNotFoundError).shortMessage;
		for (const source of [gone.multiaddr, peer.multiaddr, nowhere, empty, peer.gateway]) expect(message).toContain(source);

		// A doctor's page reading a shared bundle gets the same list in its own error.
		const payload = await fetchPayload(device.blobStore, missing, { timeoutMs: 10_000 }).catch((e: unknown) => e);
		expect(payload).toBeInstanceOf(PayloadUnavailableError);
		expect((payload as PayloadUnavailableError).shortMessage).toContain(`the gateway ${empty} (does not have it)`);
		expect((payload as PayloadUnavailableError).shortMessage).toContain(`the IPFS peer ${gone.multiaddr} (unreachable)`);

		// The same when the payload's own time limit is the one that runs out (the blob store would wait longer).
		const patient = await node({ peers: [peer.multiaddr], gateways: [empty], blobStore: { timeoutMs: 60_000 } });
		const late = await fetchPayload(patient.blobStore, missing, { timeoutMs: 1_000 }).catch((e: unknown) => e);
		expect(late).toBeInstanceOf(PayloadUnavailableError);
		expect((late as PayloadUnavailableError).shortMessage).toContain(`Tried: the IPFS peer ${peer.multiaddr} (connected, but it did not send the data); the gateway ${empty} (does not have it)`);
	});

	it('a site with no peer and no gateway says so instead of waiting', async () => {
		const device = await node({});
		const missing = CID.create(1, raw.code, await sha256.digest(randomBytes(64))).toString();
		const err = await device.blobStore.getBytes(missing).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(BlobNotFoundError);
		expect((err as BlobNotFoundError).shortMessage).toMatch(/names no IPFS peer or gateway/);
	});

	it('reads gateway URLs with or without a trailing /ipfs/', () => {
		expect(gatewayBase('https://gw.example/ipfs/')).toBe('https://gw.example');
		expect(gatewayBase('https://gw.example/')).toBe('https://gw.example');
		expect(gatewayBase('http://127.0.0.1:8090')).toBe('http://127.0.0.1:8090');
	});
});
