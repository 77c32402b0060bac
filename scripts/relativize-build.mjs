// SvelteKit's hash router still writes root-absolute "/_app/..." into index.html;
// under /ipfs/<cid>/ those would miss. The JS chunks already import relatively.
// Rewriting the bootstrap script changes its hash, so the CSP meta tag is
// rewritten too (build-time policy: connect-src 'self' until config.json is known).
import { readFileSync, writeFileSync } from 'node:fs';
import { applyCsp } from './csp.mjs';

const file = new URL('../build/index.html', import.meta.url);
const html = readFileSync(file, 'utf8');
const out = html.replaceAll('"/_app/', '"./_app/').replaceAll("'/_app/", "'./_app/");
if (out.includes('"/_app/')) throw new Error('relativize-build: absolute /_app/ reference left');
writeFileSync(file, applyCsp(out, null));
