// The share-link viewer's block source: the site's trustless gateways first
// (no libp2p, no local store), the full node only when they cannot serve the
// blob. Real Helia nodes and a real HTTP gateway serving a node's blocks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CID } from 'multiformats/cid';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError } from './errors';
import { catWithFallback, deferredCat, type CatSource } from './fallbackCat';
import { startGatewayReader, type GatewayReader } from './gatewayReader';
import { createMemoryNode, type MemoryNode } from './memoryNode';

const MiB = 1024 * 1024;
const nodes: MemoryNode[] = [];
const readers: GatewayReader[] = [];
const servers: Server[] = [];

afterAll(async () => {
	for (const r of readers) await r.stop();
	for (const n of nodes) await n.stop();
	for (const s of servers) s.closeAllConnections();
	for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

function randomBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
	return out;
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function read(source: CatSource, cid: string): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const part of source.cat(cid)) parts.push(part);
	return new Uint8Array(Buffer.concat(parts));
}

/** A trustless gateway (`GET /ipfs/<cid>?format=raw`) over a node's blocks; counts the requests it answered. */
async function gatewayOf(node: MemoryNode): Promise<{ url: string; requests: () => number }> {
	let requests = 0;
	const server = createServer(async (req, res) => {
		requests++;
		const m = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '');
		const cid = CID.parse(m?.[1] ?? '');
		if (!(await node.blockstore.has(cid))) return void res.writeHead(404).end();
		const parts: Uint8Array[] = [];
		for await (const part of node.blockstore.get(cid)) parts.push(part);
		res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' }).end(Buffer.concat(parts));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	servers.push(server);
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

async function nodeWith(data: Uint8Array): Promise<{ node: MemoryNode; cid: string }> {
	const node = await createMemoryNode();
	nodes.push(node);
	return { node, cid: await node.blobStore.addStream(pieces(data, MiB + 17)) };
}

async function reader(gateways: string[]): Promise<GatewayReader> {
	const r = await startGatewayReader({ gateways, blobStore: { timeoutMs: 5_000 } });
	readers.push(r);
	return r;
}

describe('the share-link viewer reads gateways first', () => {
	it('a gateway reader (no networking, no local store) reads a multi-block blob byte for byte', async () => {
		const data = randomBytes(2 * MiB + 99);
		const { node, cid } = await nodeWith(data);
		const gateway = await gatewayOf(node);
		expect(Buffer.compare(await read((await reader([gateway.url])).blobStore, cid), data)).toBe(0);
		expect(gateway.requests()).toBeGreaterThanOrEqual(3);
	});

	it('the full node is not started when the gateway serves the blob', async () => {
		const data = randomBytes(3000);
		const { node, cid } = await nodeWith(data);
		const gateway = await gatewayOf(node);
		let fullNodeStarts = 0;
		const source = catWithFallback(
			async () => (await reader([gateway.url])).blobStore,
			async () => {
				fullNodeStarts++;
				return node.blobStore;
			}
		);
		expect(Buffer.compare(await read(source, cid), data)).toBe(0);
		expect(fullNodeStarts).toBe(0);
	});

	it('falls back to the full node when no gateway has the blob, and reads it from there', async () => {
		const data = randomBytes(5000);
		const { node, cid } = await nodeWith(data);
		const empty = await gatewayOf(await createMemoryNode().then((n) => (nodes.push(n), n)));
		const source = catWithFallback(async () => (await reader([empty.url])).blobStore, async () => node.blobStore);
		expect(Buffer.compare(await read(source, cid), data)).toBe(0);
		expect(empty.requests()).toBeGreaterThan(0);
	});

	it('gives up a gateway that accepts the request but never answers, and reads from the full node', async () => {
		const data = randomBytes(4000);
		const { node, cid } = await nodeWith(data);
		let asked = 0;
		const silent = createServer(() => void asked++);
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		servers.push(silent);
		const hanging = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
		// Its own limits are far away (ten minutes): only the viewer's first-bytes limit can end the wait.
		const patient = await startGatewayReader({ gateways: [hanging], gateway: { requestTimeoutMs: 600_000 }, blobStore: { timeoutMs: 600_000 } });
		readers.push(patient);
		const source = catWithFallback(async () => patient.blobStore, async () => node.blobStore, { firstBytesMs: 300 });
		expect(Buffer.compare(await read(source, cid), data)).toBe(0);
		expect(asked).toBe(1);
	});

	it("when neither has the blob, the full node's BlobNotFoundError (naming its sources) is what the viewer sees", async () => {
		const { cid } = await nodeWith(randomBytes(100));
		const elsewhere = await createMemoryNode({ blobStore: { timeoutMs: 500 } });
		nodes.push(elsewhere);
		const empty = await gatewayOf(elsewhere);
		const source = catWithFallback(async () => (await reader([empty.url])).blobStore, async () => elsewhere.blobStore);
		await expect(read(source, cid)).rejects.toBeInstanceOf(BlobNotFoundError);
	});

	it('a deferred source waits for its start, and a failed start nobody read from is not an unhandled rejection', async () => {
		const data = randomBytes(2000);
		const { node, cid } = await nodeWith(data);
		let started!: (s: CatSource) => void;
		const source = deferredCat(new Promise<CatSource>((resolve) => (started = resolve)));
		const reading = read(source, cid);
		started(node.blobStore);
		expect(Buffer.compare(await reading, data)).toBe(0);

		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', onUnhandled);
		deferredCat(Promise.reject(new Error('no gateway')));
		await new Promise((r) => setTimeout(r, 50));
		process.off('unhandledRejection', onUnhandled);
		expect(unhandled).toEqual([]);
	});
});
