import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
	applyCsp,
	BASE_DIRECTIVES,
	connectSources,
	contentSecurityPolicy,
	CspConfigError,
	headerPolicy,
	inlineScriptHashes,
	METAMASK_SDK_CONNECT_SOURCES,
	multiaddrSource,
	STYLE_ATTRIBUTES,
	urlSource
} from './csp.mjs';
import svelteConfig from '../svelte.config.js';

const hashOf = (text: string) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

const CONFIG = {
	rpcUrl: 'http://127.0.0.1:8545',
	ipfsPeers: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDMJKqJM7p4G7rVwQ1CPZZfZiwzZEcE1QQ3xS1KDWZdjp'],
	gateways: ['https://trustless-gateway.example/ipfs/'],
	pinning: { endpoint: 'https://pin.example/psa' }
};

/** Parses a policy into directive → sources, failing on a repeated directive. */
function parse(policy: string): Map<string, string[]> {
	const out = new Map<string, string[]>();
	for (const part of policy.split(';')) {
		const [name, ...sources] = part.trim().split(/\s+/);
		expect(out.has(name), `directive ${name} repeated`).toBe(false);
		out.set(name, sources);
	}
	return out;
}

describe('contentSecurityPolicy', () => {
	test('the strict policy: self, wasm, no inline script or style, no frames, objects, base or forms', () => {
		const policy = parse(contentSecurityPolicy(CONFIG, { scriptHashes: ['sha256-AAAA'] }));
		expect(policy.get('default-src')).toEqual(["'self'"]);
		expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", "'sha256-AAAA'"]);
		expect(policy.get('style-src')).toEqual(["'self'"]);
		expect(policy.get('style-src-attr')).toEqual(["'unsafe-hashes'", ...STYLE_ATTRIBUTES.map((s) => `'${hashOf(s)}'`)]);
		expect(policy.get('img-src')).toEqual(["'self'", 'blob:', 'data:']);
		expect(policy.get('worker-src')).toEqual(["'self'"]);
		expect(policy.get('frame-src')).toEqual(["'none'"]);
		expect(policy.get('object-src')).toEqual(["'none'"]);
		expect(policy.get('base-uri')).toEqual(["'none'"]);
		expect(policy.get('form-action')).toEqual(["'none'"]);
		// A meta tag cannot carry these; Chromium would complain on every page.
		expect(policy.has('frame-ancestors')).toBe(false);
		expect(policy.has('report-uri')).toBe(false);
		const all = [...policy.values()].flat();
		expect(all).not.toContain("'unsafe-inline'");
		expect(all).not.toContain("'unsafe-eval'");
	});

	test('connect-src: self, the RPC origin, each peer socket, each gateway origin, the pinning endpoint, MetaMask mobile relay', () => {
		expect(parse(contentSecurityPolicy(CONFIG)).get('connect-src')).toEqual([
			"'self'",
			'http://127.0.0.1:8545',
			'ws://127.0.0.1:4001',
			'https://trustless-gateway.example',
			'https://pin.example',
			...METAMASK_SDK_CONNECT_SOURCES
		]);
	});

	test('the local peer: its gateway and pinning endpoint share one HTTP origin, listed once; a bad endpoint is refused', () => {
		const local = { rpcUrl: 'http://127.0.0.1:8545', ipfsPeers: [], gateways: ['http://127.0.0.1:8090'], pinning: { endpoint: 'http://127.0.0.1:8090' } };
		expect(connectSources(local).filter((s) => s === 'http://127.0.0.1:8090')).toHaveLength(1);
		expect(() => connectSources({ ...local, pinning: { endpoint: 'ftp://pin.example' } })).toThrow(/pinning\.endpoint/);
		expect(() => connectSources({ ...local, pinning: { endpoint: 'https://pin.example; script-src *' } })).toThrow(CspConfigError);
	});

	test('without a config (build time) connect-src is the site itself only', () => {
		const policy = parse(contentSecurityPolicy(null, { scriptHashes: ['sha256-AAAA'] }));
		expect(policy.get('connect-src')).toEqual(["'self'"]);
		expect(policy.get('script-src')).toContain("'sha256-AAAA'");
	});

	test('an RPC URL path (often an API key) stays out of the public policy; duplicates appear once', () => {
		const sources = connectSources({
			rpcUrl: 'https://mainnet.example/v3/SECRETKEY',
			ipfsPeers: ['/dns4/peer.example/tcp/443/wss/p2p/12D3KooWx', '/dns4/peer.example/tcp/443/tls/ws'],
			gateways: ['https://mainnet.example/ipfs/']
		});
		expect(sources.join(' ')).not.toContain('SECRETKEY');
		expect(sources.slice(0, 3)).toEqual(["'self'", 'https://mainnet.example', 'wss://peer.example']);
	});

	test('a script hash that is not one is refused rather than written into the policy', () => {
		expect(() => contentSecurityPolicy(null, { scriptHashes: ["sha256-AA'; script-src *"] })).toThrow(CspConfigError);
	});

	test('kit.csp in svelte.config.js is the same policy, in hash mode', () => {
		const csp = svelteConfig.kit!.csp!;
		expect(csp.mode).toBe('hash');
		const unquoted = Object.fromEntries(
			Object.entries(BASE_DIRECTIVES).map(([name, sources]) => [name, sources.map((s) => s.replace(/^'(.*)'$/, '$1'))])
		);
		expect(csp.directives).toEqual(unquoted);
	});

	test("SvelteKit's route announcer style is still the one whose hash the policy allows", () => {
		const root = readFileSync(fileURLToPath(new URL('../node_modules/@sveltejs/kit/src/core/sync/write_root.js', import.meta.url)), 'utf8');
		expect(root).toContain(`style="${STYLE_ATTRIBUTES[0]}"`);
	});
});

describe('multiaddrSource', () => {
	test.each([
		['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWx', 'ws://127.0.0.1:4001'],
		['/ip4/10.0.0.2/tcp/443/wss', 'wss://10.0.0.2'],
		['/ip6/::1/tcp/4002/ws', 'ws://[::1]:4002'],
		['/dns4/relay.example/tcp/4003/tls/ws/p2p/12D3KooWx', 'wss://relay.example:4003'],
		['/dns/relay.example/tcp/443/tls/sni/relay.example/ws', 'wss://relay.example'],
		['/dns6/gw.example/tcp/8080/http', 'http://gw.example:8080'],
		['/dns4/gw.example/tcp/443/tls/http', 'https://gw.example'],
		['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWa/p2p-circuit/p2p/12D3KooWb', 'ws://127.0.0.1:4001']
	])('%s → %s', (addr, source) => {
		expect(multiaddrSource(addr)).toBe(source);
	});

	test.each([
		['/dnsaddr/bootstrap.libp2p.io/p2p/12D3KooWx', /dnsaddr/],
		['/ip4/127.0.0.1/udp/4001/webrtc-direct', /only \/ip4/],
		['/ip4/127.0.0.1/tcp/4001', /\/ws, \/wss or \/http/],
		['/ip4/127.0.0.1/tcp/99999/ws', /only \/ip4/],
		['ip4/127.0.0.1/tcp/1/ws', /not a multiaddr/],
		["/dns4/a;script-src */tcp/1/ws", /cannot name/],
		['/dns4/a b/tcp/1/ws', /cannot name/]
	])('%s is refused with a reason', (addr, reason) => {
		expect(() => multiaddrSource(addr)).toThrow(CspConfigError);
		expect(() => multiaddrSource(addr)).toThrow(reason);
	});
});

describe('urlSource', () => {
	test('keeps scheme, host and a non-default port', () => {
		expect(urlSource('https://rpc.example:8443/path?key=1', 'rpcUrl')).toBe('https://rpc.example:8443');
		expect(urlSource('wss://rpc.example/ws', 'rpcUrl')).toBe('wss://rpc.example');
	});

	test.each(['javascript:alert(1)', 'data:text/html,x', 'not a url', "http://a;script-src'*'/", 'http://a"b/'])('refuses %s', (url) => {
		expect(() => urlSource(url, 'rpcUrl')).toThrow(CspConfigError);
	});
});

describe('inlineScriptHashes and applyCsp', () => {
	const BOOT = "\n\t\t\t{\n\t\t\t\timport('./_app/immutable/entry/start.js');\n\t\t\t}\n\t\t";
	const PAGE = [
		'<!doctype html><html><head><meta charset="utf-8" />',
		`<meta http-equiv="content-security-policy" content="script-src 'self' 'sha256-stale='">`,
		'<link href="./_app/x.css" rel="stylesheet"></head>',
		`<body><div><script>${BOOT}</script><script type="module" src="./_app/a.js"></script></div></body></html>`
	].join('\n');

	test('hashes each inline script exactly as written, skips scripts with src', () => {
		expect(inlineScriptHashes(PAGE)).toEqual([hashOf(BOOT)]);
		expect(inlineScriptHashes('<script>a()</script><SCRIPT >a()</SCRIPT>')).toEqual([hashOf('a()')]);
	});

	test("replaces Kit's tag in place with the policy for the config and the page's real script hashes", () => {
		const out = applyCsp(PAGE, CONFIG);
		const metas = [...out.matchAll(/<meta http-equiv="content-security-policy" content="([^"]*)">/g)];
		expect(metas).toHaveLength(1);
		// Still before anything it governs.
		expect(out.indexOf(metas[0][0])).toBeLessThan(out.indexOf('<link'));
		const policy = parse(metas[0][1].replaceAll('&#39;', "'"));
		expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", `'${hashOf(BOOT)}'`]);
		expect(policy.get('connect-src')).toContain('ws://127.0.0.1:4001');
		expect(out.replace(metas[0][0], '')).toBe(PAGE.replace(/<meta http-equiv="content-security-policy"[^>]*>/, ''));
	});

	test('applying again (another config) replaces the policy; it does not add a second one', () => {
		const once = applyCsp(PAGE, CONFIG);
		const twice = applyCsp(once, { ...CONFIG, rpcUrl: 'https://other-rpc.example', ipfsPeers: [], gateways: [] });
		expect(twice.match(/http-equiv="content-security-policy"/g)).toHaveLength(1);
		expect(twice).toContain('https://other-rpc.example');
		expect(twice).not.toContain('127.0.0.1:8545');
		expect(applyCsp(twice, CONFIG)).toBe(once);
	});

	test('a page without a policy gets one at the start of <head>', () => {
		const out = applyCsp('<html><head><title>x</title></head><body><script>go()</script></body></html>', null);
		expect(out).toMatch(/^<html><head>\s*<meta http-equiv="content-security-policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
		expect(applyCsp('<!doctype html><title>x</title>', null)).toMatch(/^<!doctype html>\s*<meta http-equiv="content-security-policy" content="default-src 'self'; [^"]*"><title>x<\/title>$/);
	});

	test('a config whose endpoint cannot be expressed is refused', () => {
		expect(() => applyCsp(PAGE, { ...CONFIG, ipfsPeers: ['/dnsaddr/x.example'] })).toThrow(CspConfigError);
	});
});

describe('headerPolicy', () => {
	test('is the page\'s own policy, unescaped, plus frame-ancestors \'none\'; null without one; an existing frame-ancestors is kept', () => {
		const page = applyCsp('<!doctype html><html><head><title>x</title></head><body><script>boot()</script></body></html>', CONFIG);
		const policy = headerPolicy(page);
		expect(policy).toBe(`${contentSecurityPolicy(CONFIG, { scriptHashes: inlineScriptHashes(page) })}; frame-ancestors 'none'`);
		expect(headerPolicy('<!doctype html><title>x</title>')).toBeNull();
		expect(headerPolicy(`<meta http-equiv="content-security-policy" content="default-src &apos;self&apos;; frame-ancestors https://a.example">`)).toBe(
			"default-src &apos;self&apos;; frame-ancestors https://a.example"
		);
		expect(headerPolicy('<meta http-equiv="content-security-policy" content="img-src data: &amp; x">')).toBe("img-src data: & x; frame-ancestors 'none'");
	});
});
