// The local peer's deserialized gateway: a site packed by publish.mjs, pinned on a real peer
// through its Pinning Service API (pin-site.mjs), then read back as a browser would, from a
// path gateway (/ipfs/<cid>/<path>) and a subdomain gateway (Host: <cid>.ipfs.localhost).
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car';
import { MemoryBlockstore } from 'blockstore-core';
import { CID } from 'multiformats/cid';
import { base36 } from 'multiformats/bases/base36';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCsp } from './csp.mjs';
import { startIpfsPeer } from './ipfs-peer.mjs';
import { startPeerHttp } from './peer-http.mjs';
import { pinSite } from './pin-site.mjs';
import { packDirectory } from './publish.mjs';

const CONFIG = { rpcUrl: 'http://127.0.0.1:8545', ipfsPeers: [], gateways: ['http://127.0.0.1:8090'] };
const PAGE = applyCsp('<!doctype html><html><head><meta charset="utf-8"><title>Site</title></head><body><script type="module" src="./app.js"></script></body></html>', CONFIG);
const BIG = Uint8Array.from({ length: 2 * 1024 * 1024 + 3 }, (_, i) => (i * 31) % 256);
const FILES: Record<string, string | Uint8Array> = {
	'index.html': PAGE,
	'app.js': 'export const x = 1;',
	'style.css': 'body{}',
	'config.json': '{"chainId":1}',
	'mod.wasm': new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
	'font.ttf': 'not really a font',
	'blob.unknownext': '<script>alert(1)</script>',
	'big.bin': BIG,
	'nested/index.html': '<!doctype html><title>Nested</title>',
	'docs/a.txt': 'a',
	'docs/b.txt': 'b'
};

interface Reply {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

/** GET (or HEAD) with an explicit Host header, as a browser on a subdomain origin sends it. */
function get(origin: string, path: string, options: { host?: string; method?: string } = {}): Promise<Reply> {
	const { hostname, port } = new URL(origin);
	return new Promise((resolve, reject) => {
		const req = request({ hostname, port, path, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} }, (res) => {
			const parts: Buffer[] = [];
			res.on('data', (d: Buffer) => parts.push(d));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}

let peer: Awaited<ReturnType<typeof startIpfsPeer>>;
let cid: string;
let car: Uint8Array;
let port: string;

beforeAll(async () => {
	const dir = mkdtempSync(join(tmpdir(), 'carevault-gw-site-'));
	for (const [path, content] of Object.entries(FILES)) {
		mkdirSync(join(dir, path, '..'), { recursive: true });
		writeFileSync(join(dir, path), content);
	}
	({ cid, car } = await packDirectory(dir));
	peer = await startIpfsPeer({ port: 0, httpPort: 0 });
	port = new URL(peer.http).port;
	await pinSite({ endpoint: peer.pinning.endpoint, token: peer.pinning.token, cid, car });
});
afterAll(async () => {
	await peer?.stop();
});

describe('path gateway: /ipfs/<cid>/<path>', () => {
	it('redirects the root to its trailing slash and serves index.html with the page\'s policy as a header, frame-ancestors added', async () => {
		const bare = await get(peer.http, `/ipfs/${cid}?x=1`);
		expect(bare.status).toBe(301);
		expect(bare.headers.location).toBe(`/ipfs/${cid}/?x=1`);

		const page = await get(peer.http, `/ipfs/${cid}/`);
		expect(page.status).toBe(200);
		expect(page.body.toString()).toBe(PAGE);
		expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(page.headers['x-content-type-options']).toBe('nosniff');
		const meta = /content="([^"]*)"/.exec(PAGE.match(/<meta http-equiv="content-security-policy"[^>]*>/)![0])![1];
		expect(page.headers['content-security-policy']).toBe(`${meta}; frame-ancestors 'none'`);
		expect(page.headers['content-security-policy']).toContain("connect-src 'self' http://127.0.0.1:8545 http://127.0.0.1:8090");
		expect(page.headers['x-ipfs-path']).toBe(`/ipfs/${cid}/`);
		// A page without a policy of its own gets none from the gateway.
		expect((await get(peer.http, `/ipfs/${cid}/nested/`)).headers['content-security-policy']).toBeUndefined();
	});

	it('types each of the site\'s files by extension, nosniff on every one, unknown types as octet-stream', async () => {
		const types: Record<string, string> = {
			'app.js': 'text/javascript; charset=utf-8',
			'style.css': 'text/css; charset=utf-8',
			'config.json': 'application/json; charset=utf-8',
			'mod.wasm': 'application/wasm',
			'font.ttf': 'font/ttf',
			'blob.unknownext': 'application/octet-stream',
			'docs/a.txt': 'text/plain; charset=utf-8'
		};
		for (const [path, type] of Object.entries(types)) {
			const res = await get(peer.http, `/ipfs/${cid}/${path}`);
			expect(res.status, path).toBe(200);
			expect(res.headers['content-type'], path).toBe(type);
			expect(res.headers['x-content-type-options'], path).toBe('nosniff');
			expect(res.body.equals(Buffer.from(FILES[path])), path).toBe(true);
		}
		const big = await get(peer.http, `/ipfs/${cid}/big.bin`);
		expect(big.headers['content-length']).toBe(String(BIG.length));
		expect(big.body.equals(Buffer.from(BIG))).toBe(true);
		const head = await get(peer.http, `/ipfs/${cid}/big.bin`, { method: 'HEAD' });
		expect(head.status).toBe(200);
		expect(head.headers['content-length']).toBe(String(BIG.length));
		expect(head.body.length).toBe(0);
	});

	it('serves a sub-directory\'s index.html after its slash, lists one without, and 404s what is not there', async () => {
		expect((await get(peer.http, `/ipfs/${cid}/nested`)).headers.location).toBe(`/ipfs/${cid}/nested/`);
		expect((await get(peer.http, `/ipfs/${cid}/nested/`)).body.toString()).toBe(FILES['nested/index.html']);
		const docs = await get(peer.http, `/ipfs/${cid}/docs/`);
		expect(docs.headers['content-type']).toBe('text/plain; charset=utf-8');
		expect(docs.body.toString().split('\n').slice(2, 4)).toEqual(['a.txt', 'b.txt']);
		expect((await get(peer.http, `/ipfs/${cid}/nope.js`)).status).toBe(404);
		expect((await get(peer.http, `/ipfs/${cid}/app.js/deeper`)).status).toBe(404);
		expect((await get(peer.http, `/ipfs/not-a-cid/`)).status).toBe(400);
	});

	it('answers 404 for a root it does not hold, and for a file it holds only part of (never a 200 cut short, never the network)', async () => {
		const otherDir = mkdtempSync(join(tmpdir(), 'carevault-gw-other-'));
		writeFileSync(join(otherDir, 'index.html'), 'another site');
		const other = await packDirectory(otherDir);
		expect((await get(peer.http, `/ipfs/${other.cid}/`)).status).toBe(404);

		// A peer holding every block of the site but one leaf of big.bin.
		const blockstore = new MemoryBlockstore();
		const reader = await CarReader.fromBytes(car);
		const leaves: CID[] = [];
		for await (const block of reader.blocks()) {
			if (block.bytes.length === 1024 * 1024) leaves.push(block.cid);
			await blockstore.put(block.cid, block.bytes);
		}
		expect(leaves.length).toBeGreaterThan(0);
		await blockstore.delete(leaves[0]);
		const partial = await startPeerHttp({
			host: '127.0.0.1',
			port: 0,
			blockstore: blockstore as never,
			token: 'partial-peer-token-0123456789',
			pinTimeoutMs: 1000,
			delegates: () => [],
			dial: async () => {},
			pin: async () => {},
			unpin: async () => {}
		});
		try {
			const res = await get(partial.origin, `/ipfs/${cid}/big.bin`);
			expect(res.status).toBe(404);
			expect(res.body.toString()).toContain(`missing block ${leaves[0]}`);
			expect((await get(partial.origin, `/ipfs/${cid}/app.js`)).status).toBe(200);
		} finally {
			await partial.stop();
		}
	});

	it('still answers the trustless formats for the same CID', async () => {
		const res = await get(peer.http, `/ipfs/${cid}?format=car`);
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toContain('application/vnd.ipld.car');
	});
});

describe('subdomain gateway: http://<cid>.ipfs.localhost:<port>/<path>', () => {
	it('serves the site from the root of its own origin, with the same types and headers', async () => {
		const host = `${cid}.ipfs.localhost:${port}`;
		const page = await get(peer.http, '/', { host });
		expect(page.status).toBe(200);
		expect(page.body.toString()).toBe(PAGE);
		expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'$/);
		expect(page.headers['x-ipfs-path']).toBe(`/ipfs/${cid}/`);
		const js = await get(peer.http, '/app.js', { host });
		expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
		expect(js.body.toString()).toBe(FILES['app.js']);
		expect((await get(peer.http, '/nested', { host })).headers.location).toBe('/nested/');
		expect((await get(peer.http, '/nope', { host })).status).toBe(404);
		expect((await get(peer.http, '/?format=raw', { host })).headers['content-type']).toBe('application/vnd.ipld.raw');
	});

	it('redirects another form of the CID to CIDv1 base32 and refuses a label that is no CID', async () => {
		const b36 = CID.parse(cid).toString(base36);
		const moved = await get(peer.http, '/app.js?x=1', { host: `${b36}.ipfs.localhost:${port}` });
		expect(moved.status).toBe(301);
		expect(moved.headers.location).toBe(`http://${cid}.ipfs.localhost:${port}/app.js?x=1`);
		const bad = await get(peer.http, '/', { host: `not-a-cid.ipfs.localhost:${port}` });
		expect(bad.status).toBe(400);
		expect(bad.body.toString()).toContain('<cidv1-base32>.ipfs.<gateway>');
	});
});
