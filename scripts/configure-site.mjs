// `node scripts/configure-site.mjs <config.json> [build-dir]`: makes a built
// site ready for static hosting (a web host, an IPFS gateway) with one config:
// copies config.json beside index.html and writes the Content-Security-Policy
// for that config (its RPC, IPFS peers, gateways) into every page. A static
// host cannot compute the policy per request, so this runs once per config,
// after `npm run build` and before publishing (the CID covers both).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCsp, CspConfigError } from './csp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** @param {string} dir @returns {string[]} */
function htmlFiles(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return htmlFiles(path);
		return entry.isFile() && entry.name.endsWith('.html') ? [path] : [];
	});
}

/**
 * Writes `config` to `<dir>/config.json` and its policy into every HTML file
 * under `dir`. Throws CspConfigError (nothing written) when an endpoint cannot
 * be put in a policy.
 * @param {{ config: import('./csp.mjs').CspSiteConfig, dir?: string }} options
 * @returns {{ pages: string[] }}
 */
export function configureSite({ config, dir = join(ROOT, 'build') }) {
	const pages = htmlFiles(dir);
	if (pages.length === 0) throw new CspConfigError(`no HTML pages under ${dir}: run npm run build first`);
	// Every page first, so a bad config leaves the build untouched.
	const patched = pages.map((file) => /** @type {const} */ ([file, applyCsp(readFileSync(file, 'utf8'), config)]));
	for (const [file, html] of patched) writeFileSync(file, html);
	writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
	return { pages };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const [configPath, dir] = process.argv.slice(2);
	if (!configPath) {
		console.error('usage: node scripts/configure-site.mjs <config.json> [build-dir]');
		process.exit(2);
	}
	try {
		const config = JSON.parse(readFileSync(configPath, 'utf8'));
		const { pages } = configureSite({ config, dir: dir ? resolve(dir) : undefined });
		console.log(`configure-site: config.json and the Content-Security-Policy written to ${pages.length} page(s)`);
	} catch (err) {
		console.error(`configure-site: ${err instanceof Error ? err.message : err}`);
		process.exit(1);
	}
}
