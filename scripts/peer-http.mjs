// The local IPFS peer's HTTP side (see ipfs-peer.mjs): an IPFS Pinning Service
// API endpoint (https://ipfs.github.io/pinning-services-api-spec/), a
// trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/)
// for `?format=raw|car`, and without a format the files themselves
// (unixfs-gateway.mjs), at `/ipfs/<cid>/<path>` (path gateway) and at
// `http://<cidv1-base32>.ipfs.localhost:<port>/<path>` (subdomain gateway).
// Plain node:http: two small route tables do not need a framework.
//
// Everything the gateway serves comes from the local blockstore only: a block
// this peer does not hold is a 404 at once, never a wait on the network.

import { randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as dagPb from '@ipld/dag-pb';
import { CarWriter } from '@ipld/car';
import { multiaddr } from '@multiformats/multiaddr';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { GatewayError, serveUnixfs, subdomainCid, subdomainOf } from './unixfs-gateway.mjs';

const RAW_TYPE = 'application/vnd.ipld.raw';
const CAR_TYPE = 'application/vnd.ipld.car';
/** What this gateway writes: CARv1, depth-first from the root, each block once (IPIP-412). */
const CAR_RESPONSE_TYPE = `${CAR_TYPE}; version=1; order=dfs; dups=n`;
const IMMUTABLE = 'public, max-age=29030400, immutable';
const MAX_BODY_BYTES = 64 * 1024;
const STATUSES = /** @type {const} */ (['queued', 'pinning', 'pinned', 'failed']);

/**
 * @typedef {object} PinRecord
 * @property {string} requestid
 * @property {'queued' | 'pinning' | 'pinned' | 'failed'} status
 * @property {string} created RFC 3339 with milliseconds, unique per record
 * @property {{ cid: string, name?: string, origins?: string[], meta?: Record<string, string> }} pin
 * @property {Record<string, string>} [info]
 */

/**
 * @typedef {object} PeerHttpDeps
 * @property {import('interface-blockstore').Blockstore} blockstore the local store (never the networked one)
 * @property {(cid: CID, signal: AbortSignal) => Promise<void>} pin fetches every block of the DAG (bitswap) and pins it
 * @property {(cid: CID) => Promise<void>} unpin
 * @property {(addr: string, signal: AbortSignal) => Promise<void>} dial connects to an origin
 * @property {() => string[]} delegates this peer's own dialable multiaddrs
 * @property {string} token the bearer token of the pinning endpoint
 * @property {string} [dataDir] where pins.json is kept; none: pins live in memory
 * @property {number} pinTimeoutMs
 * @property {(line: string) => void} [log]
 */

class HttpError extends Error {
	/** @param {number} status @param {string} reason @param {string} details */
	constructor(status, reason, details) {
		super(details);
		this.status = status;
		this.reason = reason;
	}
}

/**
 * Starts the HTTP server. Resolves once it listens.
 * @param {PeerHttpDeps & { host: string, port: number }} options
 */
export async function startPeerHttp(options) {
	const pinning = await createPinningService(options);
	const server = createServer((req, res) => {
		handle(req, res, options, pinning).catch((err) => {
			options.log?.(`HTTP ${req.method} ${req.url}: ${err?.stack ?? err}`);
			if (!res.headersSent) sendFailure(res, 500, 'INTERNAL_SERVER_ERROR', 'The peer could not answer this request.');
			else res.destroy(err instanceof Error ? err : undefined);
		});
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve(undefined);
		});
	});
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	const origin = `http://${host}:${address.port}`;
	return {
		origin,
		pinning,
		async stop() {
			pinning.stop();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
			await pinning.flush();
		}
	};
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {PeerHttpDeps} deps
 * @param {Awaited<ReturnType<typeof createPinningService>>} pinning
 */
async function handle(req, res, deps, pinning) {
	// Browsers call both APIs from the app's origin; nothing here relies on cookies.
	res.setHeader('Access-Control-Allow-Origin', '*');
	res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Type, Etag, X-Ipfs-Roots');
	const url = new URL(req.url ?? '/', 'http://peer.invalid');
	if (req.method === 'OPTIONS') {
		res.writeHead(204, {
			'Access-Control-Allow-Methods': 'GET, HEAD, POST, DELETE, OPTIONS',
			'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept',
			'Access-Control-Max-Age': '86400'
		});
		res.end();
		return;
	}
	const subdomain = subdomainOf(req.headers.host);
	try {
		if (subdomain) return await subdomainGateway(req, res, url, deps, subdomain);
		if (url.pathname.startsWith('/ipfs/')) return await gateway(req, res, url, deps);
		if (url.pathname === '/pins' || url.pathname.startsWith('/pins/')) return await pinningRoute(req, res, url, deps, pinning);
		throw new HttpError(404, 'NOT_FOUND', 'This peer serves /ipfs/<cid> and /pins only.');
	} catch (caught) {
		const err = caught instanceof GatewayError ? new HttpError(caught.status, 'GATEWAY', caught.message) : caught;
		if (!(err instanceof HttpError)) throw err;
		if (subdomain || url.pathname.startsWith('/ipfs/')) {
			res.writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
			res.end(`${err.message}\n`);
		} else sendFailure(res, err.status, err.reason, err.message);
	}
}

// ---------------------------------------------------------------- gateway

/**
 * The response format a trustless request asks for: `?format=` wins over
 * `Accept` (as in the gateway spec); null when neither names raw or CAR.
 * @param {import('node:http').IncomingMessage} req
 * @param {URL} url
 * @returns {'raw' | 'car' | null}
 */
export function requestedFormat(req, url) {
	const format = url.searchParams.get('format');
	if (format === 'raw' || format === 'car') return format;
	if (format !== null) throw new HttpError(400, 'BAD_REQUEST', `format=${format} is not served here: use format=raw or format=car.`);
	for (const part of String(req.headers.accept ?? '').split(',')) {
		const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
		if (type === RAW_TYPE) return 'raw';
		if (type === CAR_TYPE) {
			const version = params.find((p) => p.startsWith('version='))?.slice(8);
			// CARv2 and an explicit order other than dfs/unk are not what this gateway writes.
			if (version !== undefined && version !== '1') continue;
			const order = params.find((p) => p.startsWith('order='))?.slice(6);
			if (order !== undefined && order !== 'dfs' && order !== 'unk') continue;
			return 'car';
		}
	}
	return null;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {PeerHttpDeps} deps
 */
async function gateway(req, res, url, deps) {
	if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'The gateway answers GET and HEAD only.');
	const [cidText, ...rest] = url.pathname.slice('/ipfs/'.length).split('/');
	let cid;
	try {
		cid = CID.parse(decodeURIComponent(cidText));
	} catch {
		throw new HttpError(400, 'BAD_REQUEST', `Not a CID: ${cidText.slice(0, 100)}`);
	}
	const format = requestedFormat(req, url);
	// No trustless format asked for: the file or page itself, as a browser wants it.
	if (format === null) {
		const path = rest.length > 0 ? `/${decodePath(rest.join('/'))}` : '';
		return serveUnixfs(req, res, { blockstore: deps.blockstore, root: cid, path, search: url.search, contentPath: `/ipfs/${cid}${path}` });
	}
	if (rest.some((p) => p !== '')) throw new HttpError(400, 'BAD_REQUEST', 'This trustless gateway serves whole DAGs by root CID only (no paths).');
	await trustless(req, res, cid, format, deps);
}

/** @param {string} path */
function decodePath(path) {
	try {
		return decodeURIComponent(path);
	} catch {
		throw new HttpError(400, 'BAD_REQUEST', 'The path is not valid percent-encoding.');
	}
}

/**
 * A subdomain gateway request (`Host: <cid>.ipfs.<gateway>`): the whole path is inside the DAG,
 * so the site has an origin of its own. A trustless format is answered for the root only.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {PeerHttpDeps} deps
 * @param {{ label: string, gatewayHost: string }} subdomain
 */
async function subdomainGateway(req, res, url, deps, subdomain) {
	const { cid, canonical } = subdomainCid(subdomain.label);
	if (canonical !== subdomain.label) {
		res.writeHead(301, { Location: `http://${canonical}.ipfs.${subdomain.gatewayHost}${url.pathname}${url.search}` });
		res.end();
		return;
	}
	const format = requestedFormat(req, url);
	if (format === null) {
		const path = decodePath(url.pathname);
		return serveUnixfs(req, res, { blockstore: deps.blockstore, root: cid, path, search: url.search, contentPath: `/ipfs/${cid}${path === '/' ? '/' : path}` });
	}
	if (url.pathname !== '/') throw new HttpError(400, 'BAD_REQUEST', 'This trustless gateway serves whole DAGs by root CID only (no paths).');
	if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'The gateway answers GET and HEAD only.');
	await trustless(req, res, cid, format, deps);
}

/**
 * A block (`raw`) or the whole DAG as a CAR (`car`), from the local store only.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {CID} cid
 * @param {'raw' | 'car'} format
 * @param {PeerHttpDeps} deps
 */
async function trustless(req, res, cid, format, deps) {
	if (!(await deps.blockstore.has(cid))) throw new HttpError(404, 'NOT_FOUND', `This peer does not hold ${cid}.`);

	const common = {
		'Cache-Control': IMMUTABLE,
		'X-Content-Type-Options': 'nosniff',
		'X-Ipfs-Roots': cid.toString(),
		Vary: 'Accept'
	};
	if (format === 'raw') {
		const bytes = await readBlock(deps.blockstore, cid);
		res.writeHead(200, {
			...common,
			'Content-Type': RAW_TYPE,
			'Content-Length': String(bytes.byteLength),
			'Content-Disposition': `attachment; filename="${cid}.bin"`,
			Etag: `"${cid}.raw"`
		});
		res.end(req.method === 'HEAD' ? undefined : bytes);
		return;
	}
	// A CAR that stops halfway would look like a network failure to the client:
	// check that every block is here before the 200 goes out.
	const missing = await firstMissingBlock(deps.blockstore, cid);
	if (missing) throw new HttpError(404, 'NOT_FOUND', `This peer holds ${cid} but not all of its DAG (missing ${missing}).`);
	res.writeHead(200, {
		...common,
		'Content-Type': CAR_RESPONSE_TYPE,
		'Content-Disposition': `attachment; filename="${cid}.car"`,
		Etag: `"${cid}.car.dfs.n"`
	});
	if (req.method === 'HEAD') {
		res.end();
		return;
	}
	const { writer, out } = CarWriter.create([cid]);
	const writing = (async () => {
		try {
			for await (const block of walkDag(deps.blockstore, cid)) await writer.put(block);
		} finally {
			await writer.close();
		}
	})();
	await Promise.all([pipeline(Readable.from(out), res), writing]);
}

/**
 * @param {Pick<import('interface-blockstore').Blockstore, 'get'>} blockstore
 * @param {CID} cid
 */
async function readBlock(blockstore, cid) {
	/** @type {Uint8Array[]} */
	const parts = [];
	for await (const part of blockstore.get(cid)) parts.push(part);
	return parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
}

/**
 * The CIDs a block links to. Only the codecs Carevault writes (UnixFS:
 * dag-pb and raw); anything else is sent as a leaf.
 * @param {CID} cid @param {Uint8Array} bytes
 */
function links(cid, bytes) {
	if (cid.code !== dagPb.code) return [];
	return dagPb.decode(bytes).Links.map((l) => l.Hash);
}

/**
 * Every block of the DAG under `root`, depth-first, each once.
 * @param {Pick<import('interface-blockstore').Blockstore, 'get'>} blockstore
 * @param {CID} root
 * @returns {AsyncGenerator<{ cid: CID, bytes: Uint8Array }>}
 */
async function* walkDag(blockstore, root) {
	const seen = new Set();
	/** @type {CID[]} */
	const stack = [root];
	while (stack.length > 0) {
		const cid = /** @type {CID} */ (stack.pop());
		const key = Buffer.from(cid.multihash.bytes).toString('base64');
		if (seen.has(key)) continue;
		seen.add(key);
		const bytes = await readBlock(blockstore, cid);
		yield { cid, bytes };
		const children = links(cid, bytes);
		for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
	}
}

/**
 * The first block under `root` missing from the store, or null. Raw leaves
 * are checked with `has` only, so this reads just the (small) inner nodes.
 * @param {Pick<import('interface-blockstore').Blockstore, 'get' | 'has'>} blockstore
 * @param {CID} root
 */
async function firstMissingBlock(blockstore, root) {
	/** @type {CID[]} */
	const stack = [root];
	const seen = new Set();
	while (stack.length > 0) {
		const cid = /** @type {CID} */ (stack.pop());
		if (seen.has(cid.toString())) continue;
		seen.add(cid.toString());
		if (!(await blockstore.has(cid))) return cid.toString();
		if (cid.code === raw.code) continue;
		stack.push(...links(cid, await readBlock(blockstore, cid)));
	}
	return null;
}

// ---------------------------------------------------------------- pinning service

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {string} reason @param {string} details
 */
function sendFailure(res, status, reason, details) {
	sendJson(res, status, { error: { reason, details } });
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {unknown} body
 */
function sendJson(res, status, body) {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store' });
	res.end(text);
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
	/** @type {Buffer[]} */
	const parts = [];
	let size = 0;
	for await (const part of req) {
		size += part.length;
		if (size > MAX_BODY_BYTES) throw new HttpError(413, 'BAD_REQUEST', `A pin request is at most ${MAX_BODY_BYTES} bytes.`);
		parts.push(part);
	}
	try {
		return JSON.parse(Buffer.concat(parts).toString('utf8'));
	} catch {
		throw new HttpError(400, 'BAD_REQUEST', 'The body is not JSON.');
	}
}

/**
 * Checks a Pin object from a request body.
 * @param {unknown} body
 * @returns {PinRecord['pin']}
 */
function parsePin(body) {
	if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'BAD_REQUEST', 'Expected a Pin object.');
	const { cid, name, origins, meta } = /** @type {Record<string, unknown>} */ (body);
	if (typeof cid !== 'string') throw new HttpError(400, 'BAD_REQUEST', 'pin.cid must be a string.');
	try {
		CID.parse(cid);
	} catch {
		throw new HttpError(400, 'BAD_REQUEST', `pin.cid is not a CID: ${cid.slice(0, 100)}`);
	}
	if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 255))
		throw new HttpError(400, 'BAD_REQUEST', 'pin.name must be a string of at most 255 characters.');
	if (origins !== undefined && (!Array.isArray(origins) || origins.length > 20 || !origins.every((o) => typeof o === 'string')))
		throw new HttpError(400, 'BAD_REQUEST', 'pin.origins must be a list of at most 20 multiaddr strings.');
	if (meta !== undefined && (!meta || typeof meta !== 'object' || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string')))
		throw new HttpError(400, 'BAD_REQUEST', 'pin.meta must be an object of strings.');
	return {
		cid,
		...(typeof name === 'string' ? { name } : {}),
		...(origins ? { origins: [...new Set(/** @type {string[]} */ (origins))] } : {}),
		...(meta ? { meta: /** @type {Record<string, string>} */ ({ ...meta }) } : {})
	};
}

/**
 * Query parameters that may repeat (`?cid=a&cid=b`) or be comma separated (`?cid=a,b`).
 * @param {URLSearchParams} params @param {string} key
 */
function listParam(params, key) {
	return params.getAll(key).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

/** @param {string} value @param {string} key */
function dateParam(value, key) {
	const t = Date.parse(value);
	if (Number.isNaN(t)) throw new HttpError(400, 'BAD_REQUEST', `${key} must be an RFC 3339 timestamp.`);
	return t;
}

/**
 * The pin records, their background jobs and their file.
 * @param {PeerHttpDeps} deps
 */
async function createPinningService(deps) {
	const file = deps.dataDir ? join(deps.dataDir, 'pins.json') : null;
	/** @type {Map<string, PinRecord>} */
	const records = new Map();
	/** @type {Map<string, AbortController>} */
	const jobs = new Map();
	let lastCreated = 0;
	let stopped = false;

	if (file) {
		try {
			for (const r of JSON.parse(await readFile(file, 'utf8'))) {
				records.set(r.requestid, r);
				lastCreated = Math.max(lastCreated, Date.parse(r.created));
			}
		} catch (err) {
			if (/** @type {{ code?: string }} */ (err).code !== 'ENOENT') throw err;
		}
	}

	// Writes are chained so two saves never interleave; each writes the whole (small) list.
	let saving = Promise.resolve();
	const save = () => {
		if (!file) return;
		const text = JSON.stringify([...records.values()]);
		saving = saving.then(async () => {
			await writeFile(`${file}.tmp`, text);
			await rename(`${file}.tmp`, file);
		}).catch((err) => deps.log?.(`could not save ${file}: ${err}`));
	};

	/** @param {PinRecord} r */
	const view = (r) => ({ ...r, delegates: deps.delegates() });

	/** @param {PinRecord} record */
	const run = (record) => {
		// A pin finished before a restart only records the local pin again (its blocks are on disk).
		const resumed = record.status === 'pinned';
		const controller = new AbortController();
		jobs.set(record.requestid, controller);
		const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(deps.pinTimeoutMs)]);
		void (async () => {
			try {
				if (!resumed) {
					record.status = 'pinning';
					record.info = { status_details: 'fetching blocks' };
				}
				// The asker's node is usually among the origins; once connected, bitswap asks it too.
				await Promise.all((record.pin.origins ?? []).map((o) => deps.dial(o, AbortSignal.any([signal, AbortSignal.timeout(10_000)])).catch(() => {})));
				await deps.pin(CID.parse(record.pin.cid), signal);
				if (!records.has(record.requestid)) return;
				record.status = 'pinned';
				delete record.info;
			} catch (err) {
				if (!records.has(record.requestid) || stopped) return;
				record.status = 'failed';
				record.info = { status_details: signal.aborted && !controller.signal.aborted ? 'the blocks did not arrive in time' : `${err instanceof Error ? err.message : err}` };
			} finally {
				jobs.delete(record.requestid);
				if (!stopped) save();
			}
		})();
	};

	/** @param {PinRecord['pin']} pin */
	const create = (pin) => {
		// `created` orders pages (`before`), so no two records may share one.
		const now = Math.max(Date.now(), lastCreated + 1);
		lastCreated = now;
		/** @type {PinRecord} */
		const record = { requestid: randomUUID(), status: 'queued', created: new Date(now).toISOString(), pin };
		records.set(record.requestid, record);
		save();
		run(record);
		return record;
	};

	/** @param {string} requestid */
	const remove = async (requestid) => {
		const record = records.get(requestid);
		if (!record) return false;
		records.delete(requestid);
		jobs.get(requestid)?.abort();
		const stillWanted = [...records.values()].some((r) => r.pin.cid === record.pin.cid);
		if (!stillWanted) await deps.unpin(CID.parse(record.pin.cid)).catch(() => {});
		save();
		return true;
	};

	// Pins made before a restart resume.
	for (const record of records.values()) if (record.status !== 'failed') run(record);

	return {
		records,
		view,
		create,
		remove,
		/** @param {URLSearchParams} params */
		list(params) {
			const cids = listParam(params, 'cid');
			const statuses = listParam(params, 'status');
			for (const s of statuses) if (!STATUSES.includes(/** @type {any} */ (s))) throw new HttpError(400, 'BAD_REQUEST', `Unknown status ${s}.`);
			const name = params.get('name');
			const match = params.get('match') ?? 'exact';
			if (!['exact', 'iexact', 'partial', 'ipartial'].includes(match)) throw new HttpError(400, 'BAD_REQUEST', `Unknown match ${match}.`);
			const before = params.has('before') ? dateParam(String(params.get('before')), 'before') : null;
			const after = params.has('after') ? dateParam(String(params.get('after')), 'after') : null;
			const limit = params.has('limit') ? Number(params.get('limit')) : 10;
			if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'BAD_REQUEST', 'limit must be an integer from 1 to 1000.');
			/** @type {Record<string, string> | null} */
			let meta = null;
			if (params.has('meta')) {
				try {
					meta = JSON.parse(String(params.get('meta')));
				} catch {
					throw new HttpError(400, 'BAD_REQUEST', 'meta must be a JSON object.');
				}
			} else {
				// The generated client sends an object as meta[key]=value rather than the spec's JSON.
				for (const [key, value] of params) {
					const m = /^meta\[(.+)\]$/.exec(key);
					if (m) (meta ??= {})[m[1]] = value;
				}
			}
			// The spec: with no filter at all, only successful pins are listed.
			const anyFilter = cids.length > 0 || statuses.length > 0 || name !== null || before !== null || after !== null || meta !== null;
			const wanted = new Set(statuses.length > 0 ? statuses : anyFilter ? STATUSES : ['pinned']);
			/** @param {string | undefined} n */
			const nameMatches = (n) => {
				if (name === null) return true;
				if (n === undefined) return false;
				if (match === 'exact') return n === name;
				if (match === 'iexact') return n.toLowerCase() === name.toLowerCase();
				if (match === 'partial') return n.includes(name);
				return n.toLowerCase().includes(name.toLowerCase());
			};
			const found = [...records.values()]
				.filter((r) => wanted.has(r.status))
				.filter((r) => cids.length === 0 || cids.includes(r.pin.cid))
				.filter((r) => nameMatches(r.pin.name))
				.filter((r) => before === null || Date.parse(r.created) < before)
				.filter((r) => after === null || Date.parse(r.created) > after)
				.filter((r) => meta === null || Object.entries(meta).every(([k, v]) => r.pin.meta?.[k] === v))
				.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
			return { count: found.length, results: found.slice(0, limit).map(view) };
		},
		stop() {
			stopped = true;
			for (const job of jobs.values()) job.abort();
		},
		async flush() {
			save();
			await saving;
		}
	};
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {string} token
 */
function authorised(req, token) {
	const header = String(req.headers.authorization ?? '');
	const match = /^Bearer (.+)$/i.exec(header);
	if (!match) return false;
	const given = Buffer.from(match[1]);
	const expected = Buffer.from(token);
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {PeerHttpDeps} deps
 * @param {Awaited<ReturnType<typeof createPinningService>>} pinning
 */
async function pinningRoute(req, res, url, deps, pinning) {
	if (!authorised(req, deps.token)) throw new HttpError(401, 'UNAUTHORIZED', 'Access token is missing or invalid.');
	const id = url.pathname === '/pins' ? null : decodeURIComponent(url.pathname.slice('/pins/'.length));
	if (id === null) {
		if (req.method === 'GET') return sendJson(res, 200, pinning.list(url.searchParams));
		if (req.method === 'POST') return sendJson(res, 202, pinning.view(pinning.create(parsePin(await readJson(req)))));
		throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET or POST on /pins.');
	}
	const record = pinning.records.get(id);
	if (!record) throw new HttpError(404, 'NOT_FOUND', 'The specified resource was not found.');
	if (req.method === 'GET') return sendJson(res, 200, pinning.view(record));
	if (req.method === 'POST') {
		const pin = parsePin(await readJson(req));
		// Create first so blocks shared by both pins are never left unpinned in between.
		const replacement = pinning.create(pin);
		await pinning.remove(id);
		return sendJson(res, 202, pinning.view(replacement));
	}
	if (req.method === 'DELETE') {
		await pinning.remove(id);
		res.writeHead(202, { 'Cache-Control': 'no-store' });
		res.end();
		return;
	}
	throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET, POST or DELETE on /pins/{requestid}.');
}

/**
 * Dials a multiaddr an origin gave; refuses anything that is not one.
 * @param {{ dial(ma: import('@multiformats/multiaddr').Multiaddr, o: { signal: AbortSignal }): Promise<unknown> }} libp2p
 */
export function originDialer(libp2p) {
	/** @param {string} addr @param {AbortSignal} signal */
	return async (addr, signal) => {
		await libp2p.dial(multiaddr(addr), { signal });
	};
}
