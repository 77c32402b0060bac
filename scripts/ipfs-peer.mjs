// A local IPFS peer standing in for the public network in development and
// tests: a Helia/libp2p node listening on ws://127.0.0.1 that serves blocks by
// bitswap, relays between browsers (circuit relay v2 server), keeps its blocks
// on disk (blockstore-fs), and over HTTP (peer-http.mjs) offers an IPFS
// Pinning Service API endpoint and a trustless gateway. It also keeps a copy
// of whatever a browser asks it to pin over /carevault/pin/1.0.0 (see
// src/lib/ipfs/remotePin.ts for the wire format).
//
//   node scripts/ipfs-peer.mjs [--host 127.0.0.1] [--port 4003] [--http-port 8090]
//                              [--data-dir DIR] [--pinning-token TOKEN]
//
// prints one JSON line {"multiaddr","multiaddrs","peerId","http","gateway",
// "pinningEndpoint","pinningToken"} and runs until SIGINT/SIGTERM. Without
// --data-dir the blocks go to a temporary directory removed at exit; without
// --pinning-token a random token is made (and printed: stdout goes to whoever
// started the peer).

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Node 20 lacks Promise.withResolvers, which libp2p uses: node20.mjs adds it before libp2p loads
// (libp2p itself is imported dynamically below).
import './node20.mjs';

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
	{ FsBlockstore },
	{ MemoryDatastore },
	{ createHeliaLight },
	{ CID },
	{ startPeerHttp, originDialer }
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
	import('blockstore-fs'),
	import('datastore-core'),
	import('helia'),
	import('multiformats/cid'),
	import('./peer-http.mjs')
]);

export const PIN_PROTOCOL = '/carevault/pin/1.0.0';
/** Unpins a blob pinned with an unpin tag (src/lib/ipfs/remotePin.ts UNPIN_PROTOCOL). */
export const UNPIN_PROTOCOL = '/carevault/unpin/1.0.0';
const UNPIN_TAG = /^[0-9a-f]{64}$/;
const MAX_MESSAGE_BYTES = 4096;

/**
 * @typedef {object} IpfsPeer
 * @property {string[]} multiaddrs every listen address with /p2p/<peerId>
 * @property {string} peerId
 * @property {string} http the HTTP origin, e.g. http://127.0.0.1:8090
 * @property {string} gateway the trustless gateway's base URL (GET <gateway>/ipfs/<cid>?format=raw|car)
 * @property {{ endpoint: string, token: string }} pinning the Pinning Service API endpoint and its bearer token
 * @property {string} dataDir where blocks, the peer key and pins.json live
 * @property {() => Promise<void>} stop
 */

/**
 * Starts the peer. Blocks live in `dataDir/blocks` (blockstore-fs), the peer
 * id in `dataDir/peer-key` and the pinning service's records in
 * `dataDir/pins.json`, so after a restart with the same `dataDir` browsers
 * configured with its multiaddr find it again and it still serves every block.
 * Without `dataDir` a temporary directory is used and removed by `stop()`.
 *
 * @param {{ host?: string, port?: number, httpPort?: number, dataDir?: string, pinningToken?: string, pinTimeoutMs?: number }} [options]
 * @returns {Promise<IpfsPeer>}
 */
export async function startIpfsPeer(options = {}) {
	const host = options.host ?? '127.0.0.1';
	const port = options.port ?? 0;
	const pinTimeoutMs = options.pinTimeoutMs ?? 600_000;
	const temporary = options.dataDir === undefined;
	const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'carevault-ipfs-')));
	await mkdir(dataDir, { recursive: true });
	const privateKey = await loadOrCreateKey(dataDir);
	const token = options.pinningToken ?? randomBytes(24).toString('base64url');
	if (!/^[\x21-\x7e]{16,}$/.test(token)) throw new Error('the pinning token must be at least 16 printable ASCII characters without spaces');

	const blockstore = new FsBlockstore(join(dataDir, 'blocks'));
	await blockstore.open();
	const helia = withBitswap(
		withLibp2pLight(createHeliaLight({ blockstore, datastore: new MemoryDatastore() }), {
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

	// Who may unpin what: CID -> hex SHA-256 of the secret the pinner holds (kept beside the blocks).
	const tagsFile = join(dataDir, 'unpin-tags.json');
	/** @type {Map<string, string>} */
	const unpinTags = new Map(Object.entries(await readFile(tagsFile, 'utf8').then((t) => JSON.parse(t), () => ({}))));
	const saveTags = () => writeFile(tagsFile, JSON.stringify(Object.fromEntries(unpinTags)));

	/**
	 * One request, one JSON answer, for the pin and unpin protocols.
	 * @param {string} protocol
	 * @param {(request: any) => Promise<void>} act
	 */
	const answer = (protocol, act) =>
		helia.libp2p.handle(protocol, async (stream) => {
			const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
			/** @type {{ ok: boolean, error?: string }} */
			let reply;
			try {
				await act(JSON.parse(new TextDecoder().decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray())));
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

	await answer(PIN_PROTOCOL, async (request) => {
		const cid = CID.parse(String(request?.cid));
		try {
			// Draining is what fetches every block (by bitswap, from the asker) and records the pin.
			for await (const _ of helia.pins.add(cid, { signal: AbortSignal.timeout(pinTimeoutMs) }));
		} catch (err) {
			if (!(err instanceof Error && err.name === 'AlreadyPinnedError')) throw err;
		}
		// The first tag wins: a later pinner cannot take over the right to unpin.
		if (typeof request?.unpinTag === 'string' && UNPIN_TAG.test(request.unpinTag) && !unpinTags.has(cid.toString())) {
			unpinTags.set(cid.toString(), request.unpinTag);
			await saveTags();
		}
	});

	await answer(UNPIN_PROTOCOL, async (request) => {
		const cid = CID.parse(String(request?.cid));
		const tag = unpinTags.get(cid.toString());
		if (!tag) throw new Error('this peer holds no unpin tag for that CID');
		const secret = Buffer.from(String(request?.secret ?? ''), 'base64url');
		const given = createHash('sha256').update(secret).digest();
		if (!timingSafeEqual(given, Buffer.from(tag, 'hex'))) throw new Error('the unpin secret does not match');
		try {
			for await (const _ of helia.pins.rm(cid));
		} catch (err) {
			if (!(err instanceof Error && err.name === 'NotFoundError')) throw err;
		}
		// Single raw blocks only (what SMART Health Links are): deleting a DAG's blocks could take shared ones.
		if (cid.code === 0x55 && !(await helia.pins.isPinned(cid))) await blockstore.delete(cid);
		unpinTags.delete(cid.toString());
		await saveTags();
	});

	const multiaddrs = helia.libp2p.getMultiaddrs().map((ma) => ma.toString());
	let http;
	try {
		http = await startPeerHttp({
			host,
			port: options.httpPort ?? 0,
			blockstore,
			token,
			dataDir,
			pinTimeoutMs,
			delegates: () => multiaddrs,
			dial: originDialer(helia.libp2p),
			pin: async (cid, signal) => {
				try {
					// Draining fetches every block (by bitswap, from connected peers) and records the pin.
					for await (const _ of helia.pins.add(cid, { signal }));
				} catch (err) {
					if (!(err instanceof Error && err.name === 'AlreadyPinnedError')) throw err;
				}
			},
			unpin: async (cid) => {
				for await (const _ of helia.pins.rm(cid));
			},
			log: (line) => console.error(line)
		});
	} catch (err) {
		await helia.stop();
		await blockstore.close();
		throw err;
	}
	let stopped = false;
	return {
		multiaddrs,
		peerId: helia.libp2p.peerId.toString(),
		http: http.origin,
		gateway: http.origin,
		pinning: { endpoint: http.origin, token },
		dataDir,
		stop: async () => {
			if (stopped) return;
			stopped = true;
			await http.stop();
			await helia.stop();
			await blockstore.close();
			if (temporary) await rm(dataDir, { recursive: true, force: true });
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
	/** @type {{ host?: string, port?: number, httpPort?: number, dataDir?: string, pinningToken?: string }} */
	const out = {};
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2);
		const value = () => inline ?? argv[++i];
		if (flag === '--host') out.host = value();
		else if (flag === '--port') out.port = Number(value());
		else if (flag === '--http-port') out.httpPort = Number(value());
		else if (flag === '--data-dir') out.dataDir = value();
		else if (flag === '--pinning-token') out.pinningToken = value();
		else throw new Error(`unknown option ${argv[i]} (expected --host, --port, --http-port, --data-dir, --pinning-token)`);
	}
	for (const [flag, v] of [['--port', out.port], ['--http-port', out.httpPort]])
		if (v !== undefined && !(Number.isInteger(v) && Number(v) >= 0 && Number(v) < 65536))
			throw new Error(`${flag} must be an integer between 0 and 65535`);
	return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const peer = await startIpfsPeer(parseArgs(process.argv.slice(2)));
	const ws = peer.multiaddrs.filter((ma) => /\/ws(\/|$)/.test(ma));
	console.log(
		JSON.stringify({
			multiaddr: ws[0] ?? peer.multiaddrs[0],
			multiaddrs: peer.multiaddrs,
			peerId: peer.peerId,
			http: peer.http,
			gateway: peer.gateway,
			pinningEndpoint: peer.pinning.endpoint,
			pinningToken: peer.pinning.token,
			dataDir: peer.dataDir
		})
	);
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
