import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from './serve-static.mjs';

type Served = { url: string; port: number; stop(): Promise<void> };

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'carevault-serve-'));
	mkdirSync(join(dir, '_app'));
	writeFileSync(join(dir, 'index.html'), '<!doctype html><title>cv</title>');
	writeFileSync(join(dir, '_app', 'a.js'), 'export {}');
	writeFileSync(join(dir, '_app', 'u.wasm'), new Uint8Array([0, 97, 115, 109]));
	writeFileSync(join(dir, 'config.json'), '{"from":"disk"}');
	writeFileSync(join(tmpdir(), 'carevault-secret.txt'), 'secret');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withServer(options: object, fn: (s: Served) => Promise<void>) {
	const s: Served = await serveStatic({ dir, ...options });
	try {
		await fn(s);
	} finally {
		await s.stop();
	}
}

describe('serveStatic', () => {
	test('serves index.html, JS and WASM with the right types and no-cache', async () => {
		await withServer({}, async ({ url }) => {
			const index = await fetch(url);
			expect(index.status).toBe(200);
			expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
			expect(index.headers.get('cache-control')).toBe('no-cache');
			expect(await index.text()).toContain('<title>cv</title>');
			expect((await fetch(`${url}_app/a.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
			const wasm = await fetch(`${url}_app/u.wasm`);
			expect(wasm.headers.get('content-type')).toBe('application/wasm');
			expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
			expect((await fetch(`${url}missing.js`)).status).toBe(404);
		});
	});

	test('answers config.json from the given object, else from disk', async () => {
		await withServer({ config: { chainId: 31337 } }, async ({ url }) => {
			expect(await (await fetch(`${url}config.json`)).json()).toEqual({ chainId: 31337 });
		});
		await withServer({}, async ({ url }) => {
			expect(await (await fetch(`${url}config.json`)).json()).toEqual({ from: 'disk' });
		});
	});

	test('mounts under a sub-path like an IPFS gateway', async () => {
		const base = '/ipfs/bafybeigdyrztfakecid/';
		await withServer({ base, config: { x: 1 } }, async ({ url, port }) => {
			expect(url).toBe(`http://127.0.0.1:${port}${base}`);
			expect((await fetch(url)).status).toBe(200);
			expect((await fetch(`${url}_app/a.js`)).status).toBe(200);
			expect(await (await fetch(`${url}config.json`)).json()).toEqual({ x: 1 });
			expect((await fetch(`http://127.0.0.1:${port}/_app/a.js`)).status).toBe(404);
			const bare = await fetch(`http://127.0.0.1:${port}/ipfs/bafybeigdyrztfakecid`, { redirect: 'manual' });
			expect(bare.status).toBe(301);
			expect(bare.headers.get('location')).toBe(base);
		});
	});

	test('with a config, pages get the Content-Security-Policy for it; other files are untouched', async () => {
		const config = { rpcUrl: 'http://127.0.0.1:8545', ipfsPeers: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWx'], gateways: [] };
		await withServer({ config }, async ({ url }) => {
			const page = await (await fetch(url)).text();
			const policy = /<meta http-equiv="content-security-policy" content="([^"]*)">/.exec(page)?.[1];
			expect(policy).toBeDefined();
			expect(policy).toContain("connect-src 'self' http://127.0.0.1:8545 ws://127.0.0.1:4001 ");
			expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'; ");
			expect(page).toContain('<title>cv</title>');
			expect(Number((await fetch(url, { method: 'HEAD' })).headers.get('content-length'))).toBe(Buffer.byteLength(page));
			expect(await (await fetch(`${url}_app/a.js`)).text()).toBe('export {}');
		});
		// No config: the file as built.
		await withServer({}, async ({ url }) => {
			expect(await (await fetch(url)).text()).toBe('<!doctype html><title>cv</title>');
		});
	});

	test('a config the policy cannot express still serves the page, with connect-src limited to the site', async () => {
		await withServer({ config: { rpcUrl: 'http://127.0.0.1:8545', ipfsPeers: ['/dnsaddr/x.example'] } }, async ({ url }) => {
			const res = await fetch(url);
			expect(res.status).toBe(200);
			expect(await res.text()).toContain("connect-src 'self'; ");
		});
	});

	test('never serves files outside the directory', async () => {
		await withServer({}, async ({ port }) => {
			const res = await fetch(`http://127.0.0.1:${port}/%2e%2e/carevault-secret.txt`);
			expect(res.status).toBe(404);
		});
	});

	test('frees its port on stop', async () => {
		const first: Served = await serveStatic({ dir });
		await first.stop();
		const second: Served = await serveStatic({ dir, port: first.port });
		expect(second.port).toBe(first.port);
		await second.stop();
	});
});
