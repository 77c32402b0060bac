/**
 * Node-side benchmark of a remote copy (`node bench/run.mjs remote`): a Helia
 * node in memory (networking on, no peer dialled, as a browser tab) holds a
 * file of distinct random bytes; the local peer (scripts/ipfs-peer.mjs,
 * blocks on disk) is asked through its Pinning Service API to pin it, and
 * fetches every block by bitswap after the client dialled its delegates, as
 * the app does. Beside it, plain TCP over the same loopback.
 */
import '../tests/setup/polyfills';
import { createServer, connect } from 'node:net';
import { startIpfsPeer } from '../scripts/ipfs-peer.mjs';
import { createMemoryNode } from '../src/lib/ipfs/memoryNode';
import { remoteCopyPort } from '../src/lib/ipfs/pinningService';

const MiB = 1024 * 1024;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function* randomMiBs(count: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < count; i++) {
		const chunk = new Uint8Array(MiB);
		for (let o = 0; o < MiB; o += 65536) crypto.getRandomValues(chunk.subarray(o, o + 65536));
		yield chunk;
	}
}

/** MiB/s of one TCP connection on 127.0.0.1 carrying `mib` MiB (one 1 MiB buffer written again and again). */
async function loopbackRaw(mib: number): Promise<number> {
	const buffer = new Uint8Array(MiB).fill(7);
	let received = 0;
	let done!: () => void;
	const all = new Promise<void>((resolve) => (done = resolve));
	const server = createServer((socket) => {
		socket.on('data', (d) => {
			received += d.length;
			if (received >= mib * MiB) done();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as { port: number }).port;
	const socket = connect(port, '127.0.0.1');
	await new Promise<void>((resolve) => socket.once('connect', resolve));
	const start = performance.now();
	for (let i = 0; i < mib; i++) if (!socket.write(buffer)) await new Promise((r) => socket.once('drain', r));
	await all;
	const seconds = (performance.now() - start) / 1000;
	socket.destroy();
	await new Promise((r) => server.close(r));
	return mib / seconds;
}

export async function benchRemoteCopy(mib = 1024): Promise<Record<string, number>> {
	const peer = await startIpfsPeer({ port: 0, httpPort: 0 });
	const node = await createMemoryNode({ networking: true });
	try {
		const cid = await node.blobStore.addStream(randomMiBs(mib));
		const client = remoteCopyPort(node, { pollMs: 100 }).client({ endpoint: peer.pinning.endpoint, token: peer.pinning.token });
		const start = performance.now();
		await client.pin(cid, { name: 'bench' });
		const seconds = (performance.now() - start) / 1000;
		const raw = await loopbackRaw(mib);
		console.log(`bench: remote copy of ${mib} MiB to the local peer: ${seconds.toFixed(1)} s (${(mib / seconds).toFixed(1)} MiB/s); raw TCP loopback ${raw.toFixed(0)} MiB/s`);
		return { remote_copy_1gib_s: round(seconds, 1), loopback_raw_mib_s: round(raw, 0) };
	} finally {
		await node.stop();
		await peer.stop();
	}
}
