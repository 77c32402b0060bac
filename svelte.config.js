import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BASE_DIRECTIVES } from './scripts/csp.mjs';

// The same sources must build to the same files (npm run publish: one CID per release), so the
// app's version is the commit, not SvelteKit's default of the build time.
function buildVersion() {
	const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
	try {
		return `${version}+${execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
	} catch {
		return version;
	}
}

// SvelteKit writes the policy as a meta tag with the hash of its inline bootstrap
// script (the site is prerendered: nonces cannot work). connect-src is only 'self'
// here: the endpoints come from config.json, which serve-static.mjs and
// configure-site.mjs write into the page with scripts/csp.mjs (see README).
const cspDirectives = Object.fromEntries(
	Object.entries(BASE_DIRECTIVES).map(([name, sources]) => [name, sources.map((s) => s.replace(/^'(.*)'$/, '$1'))])
);

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		// Runes everywhere in our code; libraries decide for themselves.
		runes: ({ filename }) => (filename.split(/[/\\]/).includes('node_modules') ? undefined : true)
	},
	kit: {
		adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, strict: true }),
		// Hash routing + relative paths: the build must work from any sub-path, e.g. /ipfs/<cid>/.
		router: { type: 'hash' },
		paths: { relative: true },
		csp: { mode: 'hash', directives: cspDirectives },
		version: { name: buildVersion() }
	}
};

export default config;
