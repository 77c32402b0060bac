// The local peer's deserialized gateway (what a browser opens, as opposed to the trustless
// `?format=raw|car` responses): UnixFS files and directories from the peer's own blockstore, as
// a path gateway (`/ipfs/<cid>/<path>`) and a subdomain gateway (`Host: <cidv1-base32>.ipfs.<host>`),
// following https://specs.ipfs.tech/http-gateways/path-gateway/ and .../subdomain-gateway/ in
// what a static site needs: index.html for a directory, a redirect to the trailing slash so
// relative URLs resolve inside the directory, a Content-Type from the file's extension,
// `X-Content-Type-Options: nosniff`, and for a page that declares a Content-Security-Policy the
// same policy as a header with `frame-ancestors 'none'` added (a meta tag cannot carry that one),
// as the site's own static host would send it.
//
// It reads the blockstore it is given, never the network: a block this peer lacks is a 404,
// and a file is sent only once every one of its blocks is here (never a 200 cut short).
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unixfs } from '@helia/unixfs';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';
import * as raw from 'multiformats/codecs/raw';
import { headerPolicy } from './csp.mjs';
import { MIME } from './serve-static.mjs';

const IMMUTABLE = 'public, max-age=29030400, immutable';
/** Pages are read whole to find their policy; a site's HTML is far smaller. */
const MAX_POLICY_PAGE_BYTES = 4 * 1024 * 1024;

export class GatewayError extends Error {
	/** @param {number} status @param {string} message */
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

/**
 * The CID label of a subdomain gateway request (`<label>.ipfs.<gateway host>`), or null when the
 * Host header names no such origin.
 * @param {string | undefined} host the Host header
 * @returns {{ label: string, gatewayHost: string } | null}
 */
export function subdomainOf(host) {
	const m = /^([^.]+)\.ipfs\.([^/]+)$/i.exec(String(host ?? ''));
	return m ? { label: m[1].toLowerCase(), gatewayHost: m[2].toLowerCase() } : null;
}

/**
 * The CID a subdomain label names; throws GatewayError 400 for anything else. A label that is a
 * CID in another form (CIDv0 cannot be a label: DNS is case-insensitive) is rejected with the
 * canonical name, CIDv1 in base32, so the caller can redirect.
 * @param {string} label
 * @returns {{ cid: CID, canonical: string }}
 */
export function subdomainCid(label) {
	let cid;
	try {
		cid = CID.parse(label);
	} catch {
		throw new GatewayError(400, `${label.slice(0, 80)} is not a CID: a subdomain gateway origin is http://<cidv1-base32>.ipfs.<gateway>/.`);
	}
	return { cid, canonical: cid.toV1().toString(base32) };
}

/** @param {string} path */
function contentType(path) {
	return MIME[/** @type {keyof typeof MIME} */ (extname(path).toLowerCase())] ?? 'application/octet-stream';
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
 * The first block under `root` missing from the store, or null (raw leaves checked with `has`).
 * @param {Pick<import('interface-blockstore').Blockstore, 'get' | 'has'>} blockstore
 * @param {CID} root
 */
async function firstMissing(blockstore, root) {
	/** @type {CID[]} */
	const stack = [root];
	const seen = new Set();
	while (stack.length > 0) {
		const cid = /** @type {CID} */ (stack.pop());
		if (seen.has(cid.toString())) continue;
		seen.add(cid.toString());
		if (!(await blockstore.has(cid))) return cid;
		if (cid.code === raw.code) continue;
		if (cid.code === dagPb.code) stack.push(...dagPb.decode(await readBlock(blockstore, cid)).Links.map((l) => l.Hash));
	}
	return null;
}

/** @param {unknown} err */
function isMissing(err) {
	const name = /** @type {{ name?: string }} */ (err)?.name;
	return name === 'NotFoundError' || name === 'DoesNotExistError' || name === 'NoContentError';
}

/**
 * Answers a GET or HEAD for `path` inside the UnixFS DAG `root`.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{
 *   blockstore: Pick<import('interface-blockstore').Blockstore, 'get' | 'has'>,
 *   root: CID,
 *   path: string,
 *   search: string,
 *   contentPath: string
 * }} request path: what follows the root, '' or starting with '/', percent-decoded.
 *   contentPath: `/ipfs/<cid><path>`, sent as X-Ipfs-Path. search: the query string, kept on redirects.
 */
export async function serveUnixfs(req, res, { blockstore, root, path, search, contentPath }) {
	if (req.method !== 'GET' && req.method !== 'HEAD') throw new GatewayError(405, 'The gateway answers GET and HEAD only.');
	if (!(await blockstore.has(root))) throw new GatewayError(404, `This peer does not hold ${root}.`);
	if (root.code !== dagPb.code && root.code !== raw.code) throw new GatewayError(501, `${root} is not UnixFS (codec 0x${root.code.toString(16)}); ask for ?format=raw or ?format=car.`);
	const fs = unixfs({ blockstore: /** @type {never} */ (blockstore) });
	const inner = path.replace(/^\/+/, '');
	const dirPath = inner.replace(/\/+$/, '');
	let stat;
	try {
		stat = await fs.stat(root, dirPath ? { path: dirPath } : {});
	} catch (err) {
		if (isMissing(err)) throw new GatewayError(404, `Not found: ${contentPath} (this peer does not hold it).`);
		throw err;
	}
	const headers = {
		'Cache-Control': IMMUTABLE,
		'X-Content-Type-Options': 'nosniff',
		'X-Ipfs-Path': encodeURI(contentPath),
		'X-Ipfs-Roots': root.toString()
	};
	let filePath = inner;
	if (stat.type === 'directory') {
		if (!path.endsWith('/')) {
			// Relative URLs in the directory's index.html resolve against the slash.
			const base = req.url?.split('?')[0] ?? '/';
			res.writeHead(301, { ...headers, Location: `${base}/${search}` });
			res.end();
			return;
		}
		filePath = dirPath ? `${dirPath}/index.html` : 'index.html';
		try {
			stat = await fs.stat(root, { path: filePath });
		} catch (err) {
			if (!isMissing(err)) throw err;
			return listing(req, res, fs, root, dirPath, headers, contentPath);
		}
		if (stat.type === 'directory') throw new GatewayError(404, `${contentPath}index.html is a directory.`);
	}
	const missing = await firstMissing(blockstore, stat.cid);
	if (missing) throw new GatewayError(404, `This peer holds only part of ${contentPath} (missing block ${missing}).`);
	const type = contentType(filePath);
	const size = Number(stat.size);
	/** @type {Record<string, string>} */
	const fileHeaders = { ...headers, 'Content-Type': type, 'Content-Length': String(size), Etag: `"${stat.cid}"` };
	if (type.startsWith('text/html') && size <= MAX_POLICY_PAGE_BYTES) {
		const parts = [];
		for await (const part of fs.cat(stat.cid)) parts.push(part);
		const page = Buffer.concat(parts);
		const policy = headerPolicy(page.toString('utf8'));
		if (policy) fileHeaders['Content-Security-Policy'] = policy;
		res.writeHead(200, fileHeaders);
		res.end(req.method === 'HEAD' ? undefined : page);
		return;
	}
	res.writeHead(200, fileHeaders);
	if (req.method === 'HEAD') {
		res.end();
		return;
	}
	await pipeline(Readable.from(fs.cat(stat.cid)), res);
}

/**
 * A directory without index.html: its entries as plain text (no HTML, so no names can inject markup).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {ReturnType<typeof unixfs>} fs
 * @param {CID} root @param {string} inner @param {Record<string, string>} headers @param {string} contentPath
 */
async function listing(req, res, fs, root, inner, headers, contentPath) {
	const lines = [`Index of ${contentPath}`, ''];
	try {
		for await (const entry of fs.ls(root, inner ? { path: inner } : {})) lines.push(entry.name);
	} catch (err) {
		if (isMissing(err)) throw new GatewayError(404, `This peer holds only part of ${contentPath}.`);
		throw err;
	}
	const body = `${lines.join('\n')}\n`;
	res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
	res.end(req.method === 'HEAD' ? undefined : body);
}
