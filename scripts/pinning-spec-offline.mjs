// Preloaded (`node --import`) into the CLI of
// @ipfs-shipyard/pinning-service-compliance so that it runs offline: the
// package builds its response schemas from the Pinning Service API spec,
// which it downloads at run time (utils/constants.js `specLocation`, read by
// oas2joi through json-schema-ref-parser's `https.get`). It has no option or
// environment variable for another location, and that host is unreachable
// from our machines and CI. This answers that one request, and only it, from
// the copy in scripts/fixtures/ (see its NOTICE: it comes from an npm package
// and its schemas and paths are those of the spec's v1.0.0). Every other
// request goes out untouched.
//
// Each answered request is announced on stderr, so a test can tell that the
// schemas came from here.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';

const SPEC_HOST = 'raw.githubusercontent.com';
const SPEC_PATH = '/ipfs/pinning-services-api-spec/v1.0.0/ipfs-pinning-service.yaml';
const SPEC_FILE = new URL('./fixtures/ipfs-pinning-service.yaml', import.meta.url);

const spec = await readFile(SPEC_FILE);

// A real loopback server rather than a fake response object, so the package's
// HTTP code runs unchanged on a real socket. unref: it must not keep the CLI
// alive once its checks are done.
const server = http.createServer((_req, res) => {
	res.writeHead(200, { 'content-type': 'application/yaml', 'content-length': spec.length });
	res.end(spec);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
server.unref();
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

/**
 * The host and path a `https.get` call asks for, whichever of its call forms was used.
 * @param {unknown} target
 */
function hostAndPath(target) {
	if (typeof target === 'string' || target instanceof URL) {
		const url = new URL(target);
		return { host: url.hostname, path: url.pathname + url.search };
	}
	const o = /** @type {{ hostname?: string, host?: string, path?: string }} */ (target ?? {});
	return { host: o.hostname ?? o.host ?? '', path: o.path ?? '/' };
}

const realGet = https.get;
/** @type {typeof https.get} */
const get = function (/** @type {any[]} */ ...args) {
	const { host, path } = hostAndPath(args[0]);
	if (host !== SPEC_HOST || path !== SPEC_PATH) return realGet.apply(https, /** @type {any} */ (args));
	process.stderr.write(`pinning-spec-offline: answered GET https://${SPEC_HOST}${SPEC_PATH} from scripts/fixtures/ipfs-pinning-service.yaml\n`);
	const callback = args.find((a) => typeof a === 'function');
	const headers = typeof args[0] === 'object' && !(args[0] instanceof URL) ? args[0].headers : undefined;
	return http.get({ host: '127.0.0.1', port, path: SPEC_PATH, headers }, callback);
};
https.get = get;
