/**
 * `npm run publish` packs a site into a CAR with one UnixFS directory: the
 * same files give the same CID and the same bytes, any change gives another,
 * and the CAR read back by @ipld/car and @helia/unixfs holds exactly the files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CarReader } from '@ipld/car';
import { MemoryBlockstore } from 'blockstore-core';
import { unixfs } from '@helia/unixfs';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { packDirectory } from './publish.mjs';

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
