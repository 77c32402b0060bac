// `npm run test:e2e [--no-build] [vitest args…]`: builds the static site once
// (unless --no-build), waits for Debian's Chromium, then runs every
// tests/e2e/*.e2e.ts with vitest (globalSetup starts the stack once).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBuild } from '../../scripts/stack.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const vitestArgs = args.filter((a) => a !== '--no-build');

if (!noBuild) {
	console.log('e2e: building the site (npm run build)…');
	await runBuild();
}

// apt-get may still be installing Chromium when the tests start.
const deadline = Date.now() + 10 * 60_000;
if (!existsSync(CHROMIUM)) console.log(`e2e: waiting for ${CHROMIUM} (apt-get install chromium)…`);
while (!existsSync(CHROMIUM)) {
	if (Date.now() > deadline) {
		console.error(`e2e: ${CHROMIUM} not found. Install it with: sudo apt-get install -y chromium`);
		process.exit(1);
	}
	await new Promise((r) => setTimeout(r, 2000));
}

const child = spawn('npx', ['vitest', 'run', '-c', 'tests/e2e/vitest.config.ts', ...vitestArgs], {
	cwd: ROOT,
	stdio: 'inherit'
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
