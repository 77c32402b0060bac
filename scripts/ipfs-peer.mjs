// A local IPFS peer standing in for the public network in development and
// tests: a Helia/libp2p node listening on ws://127.0.0.1 that serves blocks by
// bitswap, relays between browsers (circuit relay v2 server), and keeps a copy
// of whatever a browser asks it to pin over /carevault/pin/1.0.0 (see
// src/lib/ipfs/remotePin.ts for the wire format).
//
//   node scripts/ipfs-peer.mjs [--host 127.0.0.1] [--port 4003] [--data-dir DIR]
//
// prints one JSON line {"multiaddr","multiaddrs","peerId"} and runs until
// SIGINT/SIGTERM.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Node 20 lacks Promise.withResolvers, which libp2p uses; it must exist before
// libp2p loads, hence the dynamic imports below.
if (typeof Promise.withResolvers !== 'function') {
	Object.defineProperty(Promise, 'withResolvers', {
		configurable: true,
		writable: true,
		value: function withResolvers() {
			/** @type {(value: unknown) => void} */
			let resolve = () => {};
			/** @type {(reason?: unknown) => void} */
			let reject = () => {};
			const promise = new Promise((res, rej) => {
				resolve = res;
				reject = rej;
			});
			return { promise, resolve, reject };
		}
	});
}

const [
	{ noise },
	{ yamux },
	{ withBitswap },
	{ withLibp2pLight },
	{ circuitRelayServer },
	{ generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf },
	{ identify },
	{ lpStream },
	{ webSockets },
	{ MemoryBlockstore },
	{ MemoryDatastore },
	{ createHeliaLight },
	{ CID }
] = await Promise.all([
	import('@chainsafe/libp2p-noise'),
	import('@chainsafe/libp2p-yamux'),
	import('@helia/bitswap'),
	import('@helia/libp2p'),
	import('@libp2p/circuit-relay-v2'),
	import('@libp2p/crypto/keys'),
	import('@libp2p/identify'),
	import('@libp2p/utils'),
	import('@libp2p/websockets'),
	import('blockstore-core'),
	import('datastore-core'),
	import('helia'),
	import('multiformats/cid')
]);

export const PIN_PROTOCOL = '/carevault/pin/1.0.0';
const MAX_MESSAGE_BYTES = 4096;

/**
 * @typedef {object} IpfsPeer
 * @property {string[]} multiaddrs every listen address with /p2p/<peerId>
 * @property {string} peerId
 * @property {() => Promise<void>} stop
 */

/**
 * Starts the peer. With `dataDir`, its peer id is kept in `dataDir/peer-key`
 * so browsers configured with its multiaddr find it again after a restart.
 * Blocks are kept in memory (blockstore-fs is not a dependency), so they do
 * not survive a restart of the peer.
 *
 * @param {{ host?: string, port?: number, dataDir?: string, pinTimeoutMs?: number }} [options]
 * @returns {Promise<IpfsPeer>}
 */
export async function startIpfsPeer(options = {}) {
	const host = options.host ?? '127.0.0.1';
	const port = options.port ?? 0;
	const pinTimeoutMs = options.pinTimeoutMs ?? 600_000;
	const privateKey = options.dataDir ? await loadOrCreateKey(options.dataDir) : undefined;

	const helia = withBitswap(
		withLibp2pLight(createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }), {
			privateKey,
			addresses: { listen: [`/ip4/${host}/tcp/${port}/ws`] },
			transports: [webSockets()],
			connectionEncrypters: [noise()],
			streamMuxers: [yamux()],
			services: {
				identify: identify(),
				// Local development: no per-circuit data or time limit, so two
				// browsers can move whole records through the relay.
				relay: circuitRelayServer({ reservations: { applyDefaultLimit: false, maxReservations: 256 } })
			}
		})
	);
	await helia.start();

	await helia.libp2p.handle(PIN_PROTOCOL, async (stream) => {
		const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
		/** @type {{ ok: boolean, error?: string }} */
		let reply;
		try {
			const request = JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()));
			const cid = CID.parse(String(request?.cid));
			try {
				// Draining is what fetches every block (by bitswap, from the asker) and records the pin.
				for await (const _ of helia.pins.add(cid, { signal: AbortSignal.timeout(pinTimeoutMs) }));
			} catch (err) {
				if (!(err instanceof Error && err.name === 'AlreadyPinnedError')) throw err;
			}
			reply = { ok: true };
		} catch (err) {
			reply = { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
		}
		try {
			await lp.write(new TextEncoder().encode(JSON.stringify(reply)), { signal: AbortSignal.timeout(10_000) });
			await stream.close({ signal: AbortSignal.timeout(10_000) });
		} catch (err) {
			stream.abort(err instanceof Error ? err : new Error(String(err)));
		}
	});

	const multiaddrs = helia.libp2p.getMultiaddrs().map((ma) => ma.toString());
	let stopped = false;
	return {
		multiaddrs,
		peerId: helia.libp2p.peerId.toString(),
		stop: async () => {
			if (stopped) return;
			stopped = true;
			await helia.stop();
		}
	};
}

/**
 * @param {string} dir
 */
async function loadOrCreateKey(dir) {
	const file = join(dir, 'peer-key');
	try {
		return privateKeyFromProtobuf(new Uint8Array(await readFile(file)));
	} catch (err) {
		if (/** @type {{ code?: string }} */ (err).code !== 'ENOENT') throw err;
	}
	const key = await generateKeyPair('Ed25519');
	await mkdir(dir, { recursive: true });
	await writeFile(file, privateKeyToProtobuf(key), { mode: 0o600 });
	return key;
}

/**
 * @param {string[]} argv
 */
function parseArgs(argv) {
	/** @type {{ host?: string, port?: number, dataDir?: string }} */
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		const value = () => inline ?? argv[++i];
		if (flag === '--host') out.host = value();
		else if (flag === '--port') out.port = Number(value());
		else if (flag === '--data-dir') out.dataDir = value();
		else throw new Error(`unknown option ${argv[i]} (expected --host, --port, --data-dir)`);
	}
	if (out.port !== undefined && !(Number.isInteger(out.port) && out.port >= 0 && out.port < 65536))
		throw new Error('--port must be an integer between 0 and 65535');
	return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const peer = await startIpfsPeer(parseArgs(process.argv.slice(2)));
	const ws = peer.multiaddrs.filter((ma) => /\/ws(\/|$)/.test(ma));
	console.log(JSON.stringify({ multiaddr: ws[0] ?? peer.multiaddrs[0], multiaddrs: peer.multiaddrs, peerId: peer.peerId }));
	/** @param {string} signal */
	const shutdown = (signal) => {
		peer.stop().then(
			() => process.exit(0),
			(err) => {
				console.error(`IPFS peer did not stop cleanly after ${signal}:`, err);
				process.exit(1);
			}
		);
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
}
