import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureSite } from './configure-site.mjs';
import { applyCsp, CspConfigError } from './csp.mjs';

const CONFIG = {
	chainId: 31337,
	rpcUrl: 'https://rpc.example/v3/KEY',
	ipfsPeers: ['/dns4/peer.example/tcp/443/wss/p2p/12D3KooWx'],
	gateways: ['https://gw.example/']
};
const BUILT = applyCsp('<!doctype html><html><head><meta charset="utf-8"></head><body><script>start()</script></body></html>', null);

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'carevault-configure-'));
	mkdirSync(join(dir, 'nested'));
	writeFileSync(join(dir, 'index.html'), BUILT);
	writeFileSync(join(dir, 'nested', 'page.html'), BUILT);
	writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('configureSite', () => {
	test('writes config.json and the policy for it into every page', () => {
		const { pages } = configureSite({ config: CONFIG, dir });
		expect(pages.sort()).toEqual([join(dir, 'index.html'), join(dir, 'nested', 'page.html')]);
		expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual(CONFIG);
		for (const page of pages) {
			const html = readFileSync(page, 'utf8');
			expect(html).toBe(applyCsp(BUILT, CONFIG));
			expect(html).toContain("connect-src 'self' https://rpc.example wss://peer.example https://gw.example ");
			expect(html).not.toContain('KEY');
		}
		expect(readFileSync(join(dir, 'robots.txt'), 'utf8')).toBe('User-agent: *');
	});

	test('a config the policy cannot express changes nothing', () => {
		expect(() => configureSite({ config: { ...CONFIG, ipfsPeers: ['/dnsaddr/bootstrap.example'] }, dir })).toThrow(CspConfigError);
		expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(BUILT);
		expect(() => readFileSync(join(dir, 'config.json'))).toThrow();
	});

	test('runs from the command line: node scripts/configure-site.mjs <config.json> <dir>', () => {
		const configPath = join(dir, '..', `${dir.split('/').pop()}-config.json`);
		writeFileSync(configPath, JSON.stringify(CONFIG));
		try {
			const out = execFileSync(process.execPath, [fileURLToPath(new URL('./configure-site.mjs', import.meta.url)), configPath, dir], { encoding: 'utf8' });
			expect(out).toContain('2 page(s)');
			expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('wss://peer.example');
		} finally {
			rmSync(configPath, { force: true });
		}
	});
});
