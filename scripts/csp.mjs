// The site's Content-Security-Policy. One source for svelte.config.js (the
// policy SvelteKit writes at build time, when no config.json is known) and for
// the step that writes the policy for a known config.json into the built HTML
// (serve-static.mjs, configure-site.mjs). Plain JS with no browser imports so
// node scripts and svelte.config.js can import it; tested by csp.test.ts.
import { createHash } from 'node:crypto';

/**
 * MetaMask SDK's relay (socket.io over a WebSocket, see `communicationServerUrl`
 * in @metamask/sdk 0.34's bundle), used only by "Connect MetaMask Mobile" when
 * the browser has no wallet extension. Analytics are off in
 * src/lib/wallet/metamask.ts, so mm-sdk-analytics.api.cx.metamask.io is not needed.
 */
export const METAMASK_SDK_CONNECT_SOURCES = Object.freeze([
	'https://metamask-sdk.api.cx.metamask.io',
	'wss://metamask-sdk.api.cx.metamask.io'
]);

/**
 * The only inline `style="..."` values the page may apply, byte for byte (a
 * policy names them by hash, and hashes of attributes need 'unsafe-hashes').
 * An injected style attribute can only be one of these harmless layouts.
 * Moving them into stylesheets would let this list shrink to Kit's announcer.
 */
export const STYLE_ATTRIBUTES = Object.freeze([
	// SvelteKit's route announcer (@sveltejs/kit src/core/sync/write_root.js), shown after the first navigation.
	'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px',
	// RecordList, the inbox, provider, share and shared pages.
	'text-align:right',
	// Date inputs in ShareScopePicker and the share page.
	'width:auto'
]);

/** @param {string} text */
function sha256(text) {
	return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * Everything but connect-src and the inline-script hashes. `'wasm-unsafe-eval'`:
 * libsodium and Umbral compile WebAssembly and have no JS fallback. No
 * `'unsafe-inline'` and no `'unsafe-eval'` anywhere. `worker-src 'self'`: the
 * encryption and PDF workers load from the site itself. `frame-src 'none'`:
 * attachments are rendered without frames. `frame-ancestors` is absent because
 * a meta tag cannot carry it; the app refuses to run in a frame instead
 * (src/lib/framing.ts).
 * @type {Readonly<Record<string, readonly string[]>>}
 */
export const BASE_DIRECTIVES = Object.freeze({
	'default-src': ["'self'"],
	'script-src': ["'self'", "'wasm-unsafe-eval'"],
	'style-src': ["'self'"],
	'style-src-attr': ["'unsafe-hashes'", ...STYLE_ATTRIBUTES.map((s) => `'${sha256(s)}'`)],
	'img-src': ["'self'", 'blob:', 'data:'],
	'font-src': ["'self'"],
	'connect-src': ["'self'"],
	'worker-src': ["'self'"],
	'frame-src': ["'none'"],
	'object-src': ["'none'"],
	'base-uri': ["'none'"],
	'form-action': ["'none'"]
});

export class CspConfigError extends Error {
	name = /** @type {const} */ ('CspConfigError');
}

// A DNS name, an IPv4 address or a bracketed IPv6 address: nothing that could
// end a source (space, ';', ',', quotes) and so inject a directive.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$/i;

/**
 * The CSP source for a URL: its origin (scheme, host, port). A path is left
 * out on purpose: the policy is public and an RPC URL's path may hold an API key.
 * @param {string} url
 * @param {string} what names the config field in the error
 * @returns {string}
 */
export function urlSource(url, what) {
	let parsed;
	try {
		parsed = new URL(url);
	} catch {
		throw new CspConfigError(`${what} is not a URL: ${JSON.stringify(url)}`);
	}
	if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol))
		throw new CspConfigError(`${what} must be an http(s) or ws(s) URL, got ${JSON.stringify(url)}`);
	if (!HOST.test(parsed.hostname)) throw new CspConfigError(`${what} has a host a policy cannot name: ${JSON.stringify(url)}`);
	return parsed.origin;
}

/**
 * The URL a browser connects to for a multiaddr it can dial: `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>`
 * followed by `ws`, `wss`, `tls/ws`, `tls/sni/<name>/ws`, `http`, `https` or `tls/http`.
 * Whatever follows the transport (`/p2p/<id>`, `/p2p-circuit/...`) goes over that same connection.
 * @param {string} addr
 * @returns {string}
 */
export function multiaddrSource(addr) {
	const what = `ipfsPeers entry ${JSON.stringify(addr)}`;
	const parts = addr.split('/');
	if (parts[0] !== '') throw new CspConfigError(`${what} is not a multiaddr`);
	const [, proto, rawHost, tcp, port, ...rest] = parts;
	if (proto === 'dnsaddr')
		throw new CspConfigError(`${what}: /dnsaddr/ is resolved at run time and cannot be put in the policy; list the peer's /dns4/<host>/tcp/<port>/wss address instead`);
	if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(proto ?? '') || tcp !== 'tcp' || !/^\d{1,5}$/.test(port ?? '') || Number(port) > 65535)
		throw new CspConfigError(`${what}: only /ip4, /ip6 or /dns(4|6) addresses over /tcp with WebSockets or HTTP can be reached from a browser`);
	const host = proto === 'ip6' ? `[${rawHost}]` : rawHost;
	if (!HOST.test(host ?? '')) throw new CspConfigError(`${what} has a host a policy cannot name`);
	let secure = false;
	let i = 0;
	if (rest[i] === 'tls') {
		secure = true;
		i++;
		if (rest[i] === 'sni') i += 2;
	}
	const transport = rest[i];
	/** @type {string} */
	let scheme;
	if (transport === 'ws') scheme = secure ? 'wss' : 'ws';
	else if (transport === 'wss') scheme = 'wss';
	else if (transport === 'http') scheme = secure ? 'https' : 'http';
	else if (transport === 'https') scheme = 'https';
	else throw new CspConfigError(`${what}: a browser reaches a peer only over /ws, /wss or /http(s)`);
	return urlSource(`${scheme}://${host}:${port}`, what);
}

/**
 * @typedef {{ rpcUrl: string, ipfsPeers?: readonly string[], gateways?: readonly string[], pinning?: { endpoint: string } | null }} CspSiteConfig
 */

/**
 * connect-src for a site config: the site itself, its RPC, its IPFS peers,
 * trustless gateways and pinning endpoint, and MetaMask's mobile relay. Throws
 * CspConfigError naming the entry that cannot be expressed.
 * @param {CspSiteConfig} config
 * @returns {string[]}
 */
export function connectSources(config) {
	const sources = new Set(["'self'", urlSource(config.rpcUrl, 'rpcUrl')]);
	for (const peer of config.ipfsPeers ?? []) sources.add(multiaddrSource(peer));
	for (const gateway of config.gateways ?? []) sources.add(urlSource(gateway, `gateways entry ${JSON.stringify(gateway)}`));
	if (config.pinning) sources.add(urlSource(config.pinning.endpoint, 'pinning.endpoint'));
	for (const source of METAMASK_SDK_CONNECT_SOURCES) sources.add(source);
	return [...sources];
}

/**
 * The full policy for a config (or the build-time policy, connect-src 'self'
 * only, when config is null) allowing exactly the given inline scripts.
 * @param {CspSiteConfig | null} config
 * @param {{ scriptHashes?: readonly string[] }} [options] `sha256-<base64>` of each inline script
 * @returns {string}
 */
export function contentSecurityPolicy(config, options = {}) {
	for (const hash of options.scriptHashes ?? [])
		if (!/^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(hash)) throw new CspConfigError(`not a script hash: ${JSON.stringify(hash)}`);
	/** @type {Record<string, readonly string[]>} */
	const directives = {
		...BASE_DIRECTIVES,
		'script-src': [...BASE_DIRECTIVES['script-src'], ...(options.scriptHashes ?? []).map((h) => `'${h}'`)],
		'connect-src': config ? connectSources(config) : BASE_DIRECTIVES['connect-src']
	};
	return Object.entries(directives)
		.map(([name, sources]) => `${name} ${sources.join(' ')}`)
		.join('; ');
}

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const CSP_META = /<meta\s+http-equiv=["']?content-security-policy["']?[^>]*>/gi;

/**
 * `sha256-<base64>` of every inline `<script>` in the page, as the browser
 * hashes it. Computed from the final HTML, not taken from SvelteKit's meta tag:
 * relativize-build.mjs rewrites "/_app/" inside Kit's bootstrap script after Kit hashed it.
 * @param {string} html
 * @returns {string[]}
 */
export function inlineScriptHashes(html) {
	const hashes = new Set();
	for (const [, attributes, body] of html.matchAll(INLINE_SCRIPT)) {
		if (/\bsrc\s*=/i.test(attributes)) continue;
		hashes.add(sha256(body));
	}
	return [...hashes];
}

/** @param {string} value */
function escapeAttribute(value) {
	return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * Returns the page with its CSP meta tag set to the policy for `config`
 * (null: the build-time policy). The tag SvelteKit wrote is replaced in place
 * (it must precede every script it governs); a page without one gets it right
 * after `<head>` (or the doctype).
 * @param {string} html
 * @param {Parameters<typeof contentSecurityPolicy>[0]} config
 * @returns {string}
 */
export function applyCsp(html, config) {
	const policy = contentSecurityPolicy(config, { scriptHashes: inlineScriptHashes(html) });
	const meta = `<meta http-equiv="content-security-policy" content="${escapeAttribute(policy)}">`;
	let seen = false;
	const replaced = html.replace(CSP_META, () => {
		if (seen) return '';
		seen = true;
		return meta;
	});
	if (seen) return replaced;
	// After <head>, or else after the doctype: the parser puts a leading meta in the implied head.
	const head = /<head\b[^>]*>/i.exec(html) ?? /^\s*<!doctype[^>]*>/i.exec(html);
	const at = head ? head.index + head[0].length : 0;
	return `${html.slice(0, at)}\n\t\t${meta}${html.slice(at)}`;
}

/**
 * The policy a host that can send headers should send with a page: the one its meta tag declares
 * (so both agree, hashes included) plus `frame-ancestors 'none'`, which only a header can carry.
 * Null when the page declares none.
 * @param {string} html
 * @returns {string | null}
 */
export function headerPolicy(html) {
	const tag = html.match(CSP_META)?.[0];
	const content = tag && /\bcontent\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
	if (!content) return null;
	const policy = content.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&').trim().replace(/;\s*$/, '');
	return /(^|;)\s*frame-ancestors\b/i.test(policy) ? policy : `${policy}; frame-ancestors 'none'`;
}
