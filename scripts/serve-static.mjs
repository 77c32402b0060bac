// A plain static file server over build/ (what a gateway or any web host would
// serve). `vite preview` serves .svelte-kit/output instead, which is not what ships.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCsp, CspConfigError } from './csp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const MIME = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json; charset=utf-8',
	'.map': 'application/json; charset=utf-8',
	'.wasm': 'application/wasm',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.jpg': 'image/jpeg',
	'.jpeg': 'image/jpeg',
	'.gif': 'image/gif',
	'.webp': 'image/webp',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
	'.webmanifest': 'application/manifest+json',
	'.woff': 'font/woff',
	'.woff2': 'font/woff2',
	'.ttf': 'font/ttf',
	'.otf': 'font/otf'
};

/**
 * Serves `dir` (default build/, relative to the project) on host:port (0 = any
 * free port), mounted at `base` (e.g. '/ipfs/bafy.../' to prove the site works
 * from a sub-path). When `config` is given, `<base>config.json` answers it
 * and every HTML page is served with the Content-Security-Policy for that
 * config (its RPC, IPFS peers and gateways in connect-src; see csp.mjs).
 * Every response says `Cache-Control: no-cache` so a reload always sees the
 * current build and config.
 *
 * @param {{ dir?: string, port?: number, host?: string, config?: object, base?: string }} [options]
 * @returns {Promise<{ url: string, port: number, host: string, base: string, setConfig(config: object | undefined): void, stop(): Promise<void> }>}
 */
export async function serveStatic(options = {}) {
	const { port = 0, host = '127.0.0.1' } = options;
	const dir = resolve(ROOT, options.dir ?? 'build');
	let base = options.base ?? '/';
	if (!base.startsWith('/')) base = `/${base}`;
	if (!base.endsWith('/')) base = `${base}/`;
	let config = options.config;

	const server = createServer((req, res) => {
		handle(req, res).catch((err) => {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
			res.end(`Internal error: ${err?.message ?? err}`);
		});
	});

	/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
	async function handle(req, res) {
		const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			res.writeHead(405, { ...headers, allow: 'GET, HEAD' });
			return res.end();
		}
		const pathname = new URL(req.url ?? '/', 'http://x').pathname;
		// A gateway redirects /ipfs/<cid> to /ipfs/<cid>/ so relative URLs resolve inside the mount.
		if (`${pathname}/` === base) {
			res.writeHead(301, { ...headers, location: base });
			return res.end();
		}
		if (!pathname.startsWith(base)) return notFound(res, headers);
		let rel;
		try {
			rel = decodeURIComponent(pathname.slice(base.length));
		} catch {
			return notFound(res, headers);
		}
		if (config !== undefined && rel === 'config.json') {
			const body = JSON.stringify(config, null, 2);
			res.writeHead(200, { ...headers, 'content-type': MIME['.json'], 'content-length': Buffer.byteLength(body) });
			return res.end(req.method === 'HEAD' ? undefined : body);
		}
		let file = normalize(join(dir, rel));
		if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return notFound(res, headers);
		let info = await stat(file).catch(() => null);
		if (info?.isDirectory()) {
			file = join(file, 'index.html');
			info = await stat(file).catch(() => null);
		}
		if (!info?.isFile()) return notFound(res, headers);
		if (config !== undefined && extname(file).toLowerCase() === '.html') {
			const body = pageWithPolicy(await readFile(file, 'utf8'), config);
			res.writeHead(200, { ...headers, 'content-type': MIME['.html'], 'content-length': Buffer.byteLength(body) });
			return res.end(req.method === 'HEAD' ? undefined : body);
		}
		res.writeHead(200, {
			...headers,
			'content-type': MIME[/** @type {keyof typeof MIME} */ (extname(file).toLowerCase())] ?? 'application/octet-stream',
			'content-length': info.size,
			'last-modified': info.mtime.toUTCString()
		});
		if (req.method === 'HEAD') return res.end();
		createReadStream(file).pipe(res);
	}

	await new Promise((ok, fail) => {
		server.once('error', fail);
		server.listen(port, host, () => {
			server.off('error', fail);
			ok(undefined);
		});
	});
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	const urlHost = host.includes(':') ? `[${host}]` : host;
	return {
		url: `http://${urlHost}:${address.port}${base}`,
		port: address.port,
		host,
		base,
		setConfig(next) {
			config = next;
		},
		stop: () =>
			new Promise((ok) => {
				server.close(() => ok(undefined));
				server.closeAllConnections();
			})
	};
}

/** @param {import('node:http').ServerResponse} res @param {Record<string, string>} headers */
function notFound(res, headers) {
	res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
	res.end('Not found');
}

/**
 * The page with the policy for `config`. A config the policy cannot express
 * (say, a broken one served to test the app's own error message) gets the
 * build-time policy, connect-src 'self': the app then reports the config itself.
 * @param {string} html @param {object} config
 */
function pageWithPolicy(html, config) {
	try {
		return applyCsp(html, /** @type {any} */ (config));
	} catch (err) {
		if (!(err instanceof CspConfigError)) throw err;
		return applyCsp(html, null);
	}
}
