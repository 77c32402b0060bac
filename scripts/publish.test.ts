/**
 * `npm run publish` packs a site into a CAR with one UnixFS directory: the
 * same files give the same CID and the same bytes, any change gives another,
 * and the CAR read back by @ipld/car and @helia/unixfs holds exactly the files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CarReader } from '@ipld/car';
import { MemoryBlockstore } from 'blockstore-core';
import { unixfs } from '@helia/unixfs';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { packDirectory } from './publish.mjs';
import { startIpfsPeer } from './ipfs-peer.mjs';

function site(files: Record<string, string | Uint8Array>): string {
	const dir = mkdtempSync(join(tmpdir(), 'carevault-site-'));
	for (const [path, content] of Object.entries(files)) {
		mkdirSync(join(dir, path, '..'), { recursive: true });
		writeFileSync(join(dir, path), content);
	}
	return dir;
}

// Two MiB of fixed bytes: more than one 1 MiB chunk, so the layout is exercised.
const BIG = Uint8Array.from({ length: 2 * 1024 * 1024 + 5 }, (_, i) => (i * 7919) % 251);
const FILES = { 'index.html': '<!doctype html><title>Carevault</title>', '_app/immutable/entry/start.js': 'export {};', 'config.json': '{}', 'favicon.svg': '<svg/>', '_app/big.bin': BIG };

describe('publish: the site as a CAR', () => {
	it('the same files give the same CID and CAR bytes, whatever the order they were written in or when', async () => {
		const a = await packDirectory(site(FILES));
		const reversed = Object.fromEntries(Object.entries(FILES).reverse());
		const b = await packDirectory(site(reversed));
		expect(a.cid).toMatch(/^bafy/);
		expect(b.cid).toBe(a.cid);
		expect(Buffer.from(b.car).equals(Buffer.from(a.car))).toBe(true);
		const changed = await packDirectory(site({ ...FILES, 'config.json': '{"chainId":1}' }));
		expect(changed.cid).not.toBe(a.cid);
	});

	it('the CAR holds exactly the files, every block hashing to its CID', async () => {
		const { cid, car } = await packDirectory(site(FILES));
		const reader = await CarReader.fromBytes(car);
		expect((await reader.getRoots()).map(String)).toEqual([cid]);
		const blockstore = new MemoryBlockstore();
		let blocks = 0;
		for await (const { cid: c, bytes } of reader.blocks()) {
			expect((await sha256.digest(bytes)).bytes).toEqual(c.multihash.bytes);
			await blockstore.put(c, bytes);
			blocks++;
		}
		// The big file's three leaves and its node, two small files' leaves… every block once.
		expect(blocks).toBeGreaterThan(6);
		const fs = unixfs({ blockstore } as never);
		const read = async (path: string) => {
			const parts: Uint8Array[] = [];
			for await (const p of fs.cat(CID.parse(cid), { path })) parts.push(p);
			return Buffer.concat(parts);
		};
		for (const [path, content] of Object.entries(FILES)) expect(Buffer.compare(await read(path), Buffer.from(content))).toBe(0);
		const names: string[] = [];
		for await (const entry of fs.ls(CID.parse(cid))) names.push(entry.name);
		expect(names.sort()).toEqual(['_app', 'config.json', 'favicon.svg', 'index.html']);
	});

	it('the command writes the CAR and prints the CID; an empty or missing directory is refused', () => {
		const dir = site(FILES);
		const out = join(mkdtempSync(join(tmpdir(), 'carevault-car-')), 'site.car');
		const run = spawnSync(process.execPath, ['scripts/publish.mjs', '--no-build', '--dir', dir, '--out', out], { encoding: 'utf8' });
		expect(run.stderr).toContain('Packed 5 files');
		expect(run.status).toBe(0);
		expect(run.stdout.trim()).toMatch(/^bafy[a-z2-7]+$/);
		expect(readFileSync(out).length).toBeGreaterThan(BIG.length);
		const missing = spawnSync(process.execPath, ['scripts/publish.mjs', '--no-build', '--dir', join(dir, 'nope')], { encoding: 'utf8' });
		expect(missing.status).toBe(1);
		expect(missing.stderr).toContain('build the site first');
	});
});

/** Runs the publish command without blocking this process (the peer under test runs in it). */
function publish(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['scripts/publish.mjs', ...args], { env: { ...process.env, ...env } });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('exit', (status) => resolve({ status, stdout, stderr }));
	});
}

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('publish: pinning', () => {
	const peers: Awaited<ReturnType<typeof startIpfsPeer>>[] = [];
	afterAll(async () => {
		for (const p of peers) await p.stop();
	});

	it('pins the CID on the configured Pinning Service API endpoint; the peer fetched every block from the command and serves the site', async () => {
		const peer = await startIpfsPeer({ port: 0, httpPort: 0, pinningToken: 'publish-test-token-0123456789' });
		peers.push(peer);
		const dir = site(FILES);
		const config = join(mkdtempSync(join(tmpdir(), 'carevault-net-')), 'net.json');
		writeFileSync(config, JSON.stringify({ pinning: { endpoint: peer.pinning.endpoint } }));
		const out = join(mkdtempSync(join(tmpdir(), 'carevault-car-')), 'site.car');
		const run = await publish(['--no-build', '--dir', dir, '--out', out, '--pinning-endpoint', peer.pinning.endpoint], { CAREVAULT_PINNING_TOKEN: peer.pinning.token });
		expect(run.stderr).toMatch(/Pin: requested at .* \(request [0-9a-f-]+\): (queued|pinning)/);
		expect(run.stderr).toContain('serving the site\'s blocks to 1 delegate(s)');
		expect(run.status, run.stderr).toBe(0);
		const cid = run.stdout.trim();
		expect(run.stderr).toContain(`Pinned ${cid} at ${peer.pinning.endpoint}`);

		const pins = (await (await fetch(`${peer.pinning.endpoint}/pins?cid=${cid}`, { headers: { Authorization: `Bearer ${peer.pinning.token}` } })).json()) as { results: { status: string }[] };
		expect(pins.results.map((r) => r.status)).toEqual(['pinned']);
		// Every block reached the peer: it serves the whole DAG, which holds the files.
		const res = await fetch(`${peer.gateway}/ipfs/${cid}?format=car`);
		expect(res.status).toBe(200);
		const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
		const blockstore = new MemoryBlockstore();
		for await (const { cid: c, bytes } of reader.blocks()) await blockstore.put(c, bytes);
		const parts: Uint8Array[] = [];
		for await (const p of unixfs({ blockstore } as never).cat(CID.parse(cid), { path: '_app/big.bin' })) parts.push(p);
		expect(Buffer.compare(Buffer.concat(parts), Buffer.from(BIG))).toBe(0);

		// Again: already pinned, nothing sent. The endpoint comes from the environment this time.
		const again = await publish(['--no-build', '--dir', dir, '--out', out], { CAREVAULT_PINNING_TOKEN: peer.pinning.token, CAREVAULT_PINNING_ENDPOINT: peer.pinning.endpoint });
		expect(again.status, again.stderr).toBe(0);
		expect(again.stdout.trim()).toBe(cid);
		expect(again.stderr).toContain(`${cid} is already pinned at ${peer.pinning.endpoint}`);

		// A network config names the endpoint: its config.json and policy go into the site (a new CID), which is pinned.
		writeFileSync(config, JSON.stringify({ rpcUrl: 'http://127.0.0.1:8545', pinning: { endpoint: peer.pinning.endpoint } }));
		const configured = await publish(['--no-build', '--dir', dir, '--out', out, '--config', config], { CAREVAULT_PINNING_TOKEN: peer.pinning.token });
		expect(configured.status, configured.stderr).toBe(0);
		const second = configured.stdout.trim();
		expect(second).not.toBe(cid);
		expect(configured.stderr).toContain(`Pinned ${second} at ${peer.pinning.endpoint}`);
	});

	it('a refused token, a missing token or a dead endpoint: a clear message and a non-zero exit, after the CID is printed', async () => {
		const peer = await startIpfsPeer({ port: 0, httpPort: 0, pinningToken: 'publish-test-token-0123456789' });
		peers.push(peer);
		const dir = site(FILES);
		const out = join(mkdtempSync(join(tmpdir(), 'carevault-car-')), 'site.car');
		const args = ['--no-build', '--dir', dir, '--out', out];

		const wrong = await publish([...args, '--pinning-endpoint', peer.pinning.endpoint], { CAREVAULT_PINNING_TOKEN: 'not-the-token-0123456789' });
		expect(wrong.status).toBe(2);
		expect(wrong.stdout.trim()).toMatch(/^bafy[a-z2-7]+$/);
		expect(wrong.stderr).toContain(`PinError: The pinning service at ${peer.pinning.endpoint} refused the access token (HTTP 401). Set CAREVAULT_PINNING_TOKEN`);
		expect(wrong.stderr).toContain('the site is not pinned');

		const none = await publish([...args, '--pinning-endpoint', peer.pinning.endpoint], { CAREVAULT_PINNING_TOKEN: '' });
		expect(none.status).toBe(2);
		expect(none.stderr).toContain('no access token: set CAREVAULT_PINNING_TOKEN (or publish with --no-pin)');

		const closed = await freePort();
		const dead = await publish([...args, '--pinning-endpoint', `http://127.0.0.1:${closed}`], { CAREVAULT_PINNING_TOKEN: 'x' });
		expect(dead.status).toBe(2);
		expect(dead.stderr).toContain(`The pinning service at http://127.0.0.1:${closed} could not be reached (ECONNREFUSED)`);

		const skipped = await publish([...args, '--pinning-endpoint', `http://127.0.0.1:${closed}`, '--no-pin'], { CAREVAULT_PINNING_TOKEN: 'x' });
		expect(skipped.status).toBe(0);
		expect(skipped.stderr).not.toContain('Pin');
	});

	it('a pin the service reports failed ends the command with its reason', async () => {
		// The peer gives up at once: the site's blocks cannot arrive in 1 ms.
		const peer = await startIpfsPeer({ port: 0, httpPort: 0, pinningToken: 'publish-test-token-0123456789', pinTimeoutMs: 1 });
		peers.push(peer);
		const run = await publish(['--no-build', '--dir', site(FILES), '--out', join(mkdtempSync(join(tmpdir(), 'carevault-car-')), 'site.car'), '--pinning-endpoint', peer.pinning.endpoint], {
			CAREVAULT_PINNING_TOKEN: peer.pinning.token
		});
		expect(run.status).toBe(2);
		expect(run.stderr).toMatch(/could not pin bafy[a-z2-7]+ \(request [0-9a-f-]+, status failed: the blocks did not arrive in time\)/);
	});
});
