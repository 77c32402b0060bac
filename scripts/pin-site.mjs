// Pins a published site (the CAR publish.mjs made) on any IPFS Pinning Service API endpoint
// (https://ipfs.github.io/pinning-services-api-spec/), the standard way: the blocks are never
// uploaded over HTTP. A short-lived Helia node in this process holds the CAR's blocks; the
// pin request is made; the node dials the `delegates` the service answers with (its own
// multiaddrs, meant for exactly this) and serves the blocks by bitswap while the service fetches
// them; then the pin's status is polled until it is `pinned` or `failed`. Dialling out works
// from behind NAT, so the publisher needs no public address. A service whose delegates a
// Node.js process cannot dial (no /ws or /wss address) must find the blocks elsewhere: import
// the CAR there first (`ipfs dag import`, the service's CAR upload) and pinning still records it.

// Node 20 lacks Promise.withResolvers, which libp2p uses: node20.mjs adds it before libp2p loads
// (libp2p itself is imported dynamically below).
import './node20.mjs';

// Node 20 has no global WebSocket (22 has), and @libp2p/websockets dials with it.
if (typeof globalThis.WebSocket !== 'function') {
	const { WebSocket } = await import('undici');
	Object.defineProperty(globalThis, 'WebSocket', { configurable: true, writable: true, value: WebSocket });
}

export class PinError extends Error {
	name = /** @type {const} */ ('PinError');
}

/**
 * @typedef {object} PinOutcome
 * @property {'pinned'} status
 * @property {string} requestid
 * @property {boolean} already true when the service had already pinned this CID (nothing was sent)
 * @property {string[]} delegates the multiaddrs the service named (empty when already pinned)
 */

/**
 * @param {string} endpoint @param {string} token @param {string} path @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function call(endpoint, token, path, init = {}) {
	const url = `${endpoint.replace(/\/+$/, '')}${path}`;
	let res;
	try {
		res = await fetch(url, {
			...init,
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
			signal: AbortSignal.timeout(30_000)
		});
	} catch (err) {
		throw new PinError(`The pinning service at ${endpoint} could not be reached (${rootCause(err)}). Check the endpoint and that the service is up.`);
	}
	const text = await res.text();
	/** @type {any} */
	let body = null;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {
		// Not JSON: reported below with the status.
	}
	if (res.status === 401 || res.status === 403)
		throw new PinError(`The pinning service at ${endpoint} refused the access token (HTTP ${res.status}). Set CAREVAULT_PINNING_TOKEN to a valid token for it.`);
	if (!res.ok) {
		const reason = body?.error ? `${body.error.reason}: ${body.error.details ?? ''}`.trim() : text.slice(0, 200);
		throw new PinError(`The pinning service at ${endpoint} answered HTTP ${res.status} to ${init.method ?? 'GET'} ${path.split('?')[0]}: ${reason}`);
	}
	if (body === null || typeof body !== 'object') throw new PinError(`The pinning service at ${endpoint} did not answer with JSON (${path.split('?')[0]}); is it a Pinning Service API endpoint?`);
	return body;
}

/**
 * The innermost reason of a failed fetch: its error code (ECONNREFUSED, ENOTFOUND) or message.
 * @param {unknown} err
 */
function rootCause(err) {
	let e = /** @type {any} */ (err);
	while (e?.cause) e = e.cause;
	if (e?.errors?.[0]) e = e.errors[0];
	return String(e?.code ?? e?.message ?? e);
}

/** A delegate a Node.js libp2p node with WebSockets can dial. */
const DIALABLE = /\/(ws|wss|tls\/ws)(\/|$)/;

/**
 * Pins `cid` on the service at `endpoint`, serving the CAR's blocks to it meanwhile. Resolves once
 * the service reports `pinned`; throws PinError when it reports `failed`, refuses the request or
 * the token, or `timeoutMs` passes first.
 *
 * @param {{
 *   endpoint: string,
 *   token: string,
 *   cid: string,
 *   car: Uint8Array,
 *   name?: string,
 *   timeoutMs?: number,
 *   pollMs?: number,
 *   log?: (line: string) => void
 * }} options
 * @returns {Promise<PinOutcome>}
 */
export async function pinSite(options) {
	const { endpoint, token, cid, car, name = 'carevault-site', timeoutMs = 300_000, pollMs = 500, log = () => {} } = options;
	if (!/^https?:\/\//.test(endpoint)) throw new PinError(`The pinning endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
	if (!token) throw new PinError(`A pinning endpoint is configured (${endpoint}) but no access token: set CAREVAULT_PINNING_TOKEN (or publish with --no-pin).`);

	// Asking first also checks the token before a node is started.
	const existing = await call(endpoint, token, `/pins?cid=${encodeURIComponent(cid)}&status=pinned&limit=1`);
	const already = Array.isArray(existing.results) ? existing.results.find((/** @type {any} */ r) => r?.pin?.cid === cid) : undefined;
	if (already) {
		log(`Pin: ${cid} is already pinned at ${endpoint} (request ${already.requestid}).`);
		return { status: 'pinned', requestid: String(already.requestid), already: true, delegates: [] };
	}

	const node = await blockServer(car, cid);
	try {
		const created = await call(endpoint, token, '/pins', { method: 'POST', body: JSON.stringify({ cid, name }) });
		const requestid = String(created.requestid ?? '');
		if (!requestid) throw new PinError(`The pinning service at ${endpoint} accepted the pin but returned no requestid.`);
		const delegates = Array.isArray(created.delegates) ? created.delegates.filter((/** @type {unknown} */ d) => typeof d === 'string') : [];
		log(`Pin: requested at ${endpoint} (request ${requestid}): ${created.status}`);
		const dialable = delegates.filter((d) => DIALABLE.test(d));
		const reached = (await Promise.all(dialable.map((d) => node.dial(d).then(() => true, (err) => {
			log(`Pin: could not connect to delegate ${d} (${err instanceof Error ? err.message : err})`);
			return false;
		})))).filter(Boolean).length;
		if (reached === 0)
			log(`Pin: no delegate of the service could be reached (${delegates.length} named, ${dialable.length} over WebSockets); it must find the blocks on the IPFS network or from an earlier CAR import.`);
		else log(`Pin: serving the site's blocks to ${reached} delegate(s) by bitswap.`);

		const deadline = Date.now() + timeoutMs;
		let last = String(created.status);
		for (;;) {
			const status = await call(endpoint, token, `/pins/${encodeURIComponent(requestid)}`);
			if (status.status !== last) {
				last = String(status.status);
				log(`Pin: ${last}`);
			}
			if (status.status === 'pinned') return { status: 'pinned', requestid, already: false, delegates };
			if (status.status === 'failed') {
				const details = status.info?.status_details ? `: ${status.info.status_details}` : '';
				throw new PinError(`The pinning service at ${endpoint} could not pin ${cid} (request ${requestid}, status failed${details}).`);
			}
			if (Date.now() > deadline)
				throw new PinError(`The pin of ${cid} at ${endpoint} was still ${last} after ${Math.round(timeoutMs / 1000)} s (request ${requestid}); it may finish later: check GET ${endpoint}/pins/${requestid}.`);
			await new Promise((r) => setTimeout(r, pollMs));
		}
	} finally {
		await node.stop();
	}
}

/**
 * A Helia node that holds the CAR's blocks (checked against their CIDs) and answers bitswap
 * wants for them. It listens nowhere: it only dials out.
 * @param {Uint8Array} car @param {string} root
 */
async function blockServer(car, root) {
	const [{ noise }, { yamux }, { withBitswap }, { withLibp2pLight }, { identify }, { webSockets }, { MemoryBlockstore }, { MemoryDatastore }, { createHeliaLight }, { CarReader }, { multiaddr }, { sha256 }] =
		await Promise.all([
			import('@chainsafe/libp2p-noise'),
			import('@chainsafe/libp2p-yamux'),
			import('@helia/bitswap'),
			import('@helia/libp2p'),
			import('@libp2p/identify'),
			import('@libp2p/websockets'),
			import('blockstore-core'),
			import('datastore-core'),
			import('helia'),
			import('@ipld/car'),
			import('@multiformats/multiaddr'),
			import('multiformats/hashes/sha2')
		]);
	const reader = await CarReader.fromBytes(car);
	const roots = (await reader.getRoots()).map(String);
	if (!roots.includes(root)) throw new PinError(`The CAR's root is ${roots.join(', ') || 'missing'}, not ${root}.`);
	const blockstore = new MemoryBlockstore();
	for await (const { cid, bytes } of reader.blocks()) {
		if (cid.multihash.code !== sha256.code) throw new PinError(`The CAR holds a block hashed with another function than sha2-256 (${cid}); publish.mjs writes sha2-256 only.`);
		if (!Buffer.from((await sha256.digest(bytes)).bytes).equals(Buffer.from(cid.multihash.bytes))) throw new PinError(`The CAR holds a block that does not match its CID (${cid}).`);
		await blockstore.put(cid, bytes);
	}
	const helia = withBitswap(
		withLibp2pLight(createHeliaLight({ blockstore: /** @type {never} */ (blockstore), datastore: new MemoryDatastore() }), {
			addresses: { listen: [] },
			transports: [webSockets()],
			connectionEncrypters: [noise()],
			streamMuxers: [yamux()],
			services: { identify: identify() }
		})
	);
	await helia.start();
	return {
		/** @param {string} addr */
		dial: async (addr) => {
			await helia.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(15_000) });
		},
		stop: () => helia.stop()
	};
}
