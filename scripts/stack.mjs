// The local Carevault stack: anvil chain + deployed contracts + local IPFS peer
// + the static site with its config.json. Used by `npm start` (fixed ports)
// and by the e2e harness (free ports).
import './node20.mjs';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANVIL_ADDRESSES, startAnvil, ANVIL_PRIVATE_KEYS } from './anvil.mjs';
import { configureSite } from './configure-site.mjs';
import { contractsOf, deployContracts } from './deploy.mjs';
import { serveStatic } from './serve-static.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CHAIN_NAME = 'Carevault Local (anvil)';
export const APP_DOMAIN = 'carevault.localhost';
/**
 * The demo attester of the local stack (anvil account 9): the one attester the
 * local site trusts to vouch for providers (`npm run attest` signs with it).
 */
export const DEMO_ATTESTER_INDEX = 9;

/** Anvil's well-known dev accounts (public test keys; never hold real funds with them). */
export const ANVIL_ACCOUNTS = ANVIL_PRIVATE_KEYS.map((privateKey, i) => ({ address: ANVIL_ADDRESSES[i], privateKey }));

const SOURCES = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json', 'scripts/relativize-build.mjs', 'scripts/csp.mjs'];

/** @param {string} path @returns {number} */
function newestMtime(path) {
	if (!existsSync(path)) return 0;
	const info = statSync(path);
	if (!info.isDirectory()) return info.mtimeMs;
	let newest = info.mtimeMs;
	for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
	return newest;
}

/** Whether build/index.html is missing or older than any source file. */
export function buildIsStale() {
	const index = join(ROOT, 'build', 'index.html');
	if (!existsSync(index)) return true;
	const built = statSync(index).mtimeMs;
	return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/** Runs `npm run build` (output shown) and rejects if it fails. */
export function runBuild({ quiet = false } = {}) {
	return new Promise((ok, fail) => {
		const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
		child.on('error', fail);
		child.on('exit', (code, signal) =>
			code === 0 ? ok(undefined) : fail(new Error(`npm run build failed (exit ${code ?? signal})`))
		);
	});
}

/**
 * Asks `rpcUrl` for eth_chainId. Resolves the chain id, null when nothing
 * listens there, or 'other' when something answers but not as a JSON-RPC node.
 * @param {string} rpcUrl
 * @returns {Promise<number | null | 'other'>}
 */
export async function probeChain(rpcUrl) {
	let res;
	try {
		res = await fetch(rpcUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
			signal: AbortSignal.timeout(3000)
		});
	} catch (err) {
		const code = /** @type {{ cause?: { code?: string } }} */ (err)?.cause?.code;
		return code === 'ECONNREFUSED' ? null : 'other';
	}
	try {
		const body = await res.json();
		return typeof body?.result === 'string' ? Number(body.result) : 'other';
	} catch {
		return 'other';
	}
}

/**
 * Starts the whole local stack and resolves once the site is served.
 *
 * @param {{
 *   host?: string,
 *   ports?: { anvil?: number, ipfs?: number, ipfsHttp?: number, app?: number },
 *   ipfsDataDir?: string,
 *   rpcUrl?: string,
 *   build?: boolean | 'if-stale',
 *   writeConfig?: boolean,
 *   appPortFallback?: boolean,
 *   ipfsPortFallback?: boolean,
 *   log?: (line: string) => void,
 * }} [options]
 *   ports: 0 or missing = any free port. rpcUrl: use this running chain instead of starting anvil.
 *   ipfsDataDir: where the IPFS peer keeps its blocks; missing = a temporary directory removed by stop().
 *   writeConfig: also write build/config.json and its CSP into build/*.html (npm start); otherwise both are served from memory.
 * @returns {Promise<{ url: string, rpcUrl: string, config: import('../src/lib/config').AppConfig, deployer: { address: string, privateKey: string }, startedAnvil: boolean, peer: import('./ipfs-peer.mjs').IpfsPeer, pinning: { endpoint: string, token: string }, stop(): Promise<void> }>}
 *   pinning: the local peer's Pinning Service API endpoint and its token. The token is for
 *   tests and the console only: config.json (public) names the endpoint, never the token.
 */
export async function startStack(options = {}) {
	const { host = '127.0.0.1', ports = {}, build = false, writeConfig = false, log = () => {} } = options;
	/** @type {(() => Promise<void>)[]} */
	const stops = [];
	const stop = async () => {
		for (const fn of stops.reverse().splice(0)) await fn().catch((/** @type {any} */ err) => log(`while stopping: ${err?.message ?? err}`));
	};
	try {
		if (build === true || (build === 'if-stale' && buildIsStale())) {
			log('Building the site (npm run build)…');
			await runBuild();
		}
		if (!existsSync(join(ROOT, 'build', 'index.html'))) throw new Error('build/index.html is missing: run npm run build');

		let rpcUrl = options.rpcUrl;
		let startedAnvil = false;
		if (!rpcUrl) {
			const anvil = await startAnvil(ports.anvil ? { host, port: ports.anvil } : { host });
			stops.push(() => anvil.stop());
			rpcUrl = anvil.rpcUrl;
			startedAnvil = true;
		}

		const deployer = ANVIL_ACCOUNTS[0];
		const deployed = await deployContracts({ rpcUrl, privateKey: deployer.privateKey });

		const { startIpfsPeer } = await import('./ipfs-peer.mjs');
		const peerOptions = { host, dataDir: options.ipfsDataDir };
		let peer;
		try {
			peer = await startIpfsPeer({ ...peerOptions, port: ports.ipfs ?? 0, httpPort: ports.ipfsHttp ?? 0 });
		} catch (err) {
			if (!options.ipfsPortFallback || !(ports.ipfs || ports.ipfsHttp) || !isAddrInUse(err)) throw err;
			log(`Port ${ports.ipfs} or ${ports.ipfsHttp} for the IPFS peer is taken; using free ports.`);
			peer = await startIpfsPeer({ ...peerOptions, port: 0, httpPort: 0 });
		}
		stops.push(() => peer.stop());
		const ws = peer.multiaddrs.filter((m) => /\/wss?(\/|$)/.test(m));

		const config = {
			chainId: Number(deployed.chainId),
			chainName: CHAIN_NAME,
			rpcUrl,
			contracts: contractsOf(deployed),
			deployBlock: Number(deployed.deployBlock ?? 0),
			ipfsPeers: ws.length > 0 ? ws : peer.multiaddrs,
			// The local site's stable identity for the unlock message (see README, Security model).
			appDomain: APP_DOMAIN,
			appUri: `http://${host}:${ports.app || 5173}/`,
			providerSchemaUid: deployed.providerSchemaUid,
			trustedAttesters: [ANVIL_ADDRESSES[DEMO_ATTESTER_INDEX]],
			logBlockRange: 10_000,
			// The local peer's trustless gateway and Pinning Service API share its HTTP origin.
			gateways: [peer.gateway],
			pinning: { endpoint: peer.pinning.endpoint }
		};
		// build/ then matches what is served: config.json and the policy for it (see configure-site.mjs).
		if (writeConfig) configureSite({ config, dir: join(ROOT, 'build') });

		let server;
		try {
			server = await serveStatic({ dir: join(ROOT, 'build'), host, port: ports.app ?? 0, config });
		} catch (err) {
			if (!options.appPortFallback || !ports.app || !isAddrInUse(err)) throw err;
			log(`Port ${ports.app} is taken; serving the app on a free port instead.`);
			server = await serveStatic({ dir: join(ROOT, 'build'), host, port: 0, config });
		}
		stops.push(() => server.stop());

		return { url: server.url, rpcUrl, config, deployer, startedAnvil, peer, pinning: peer.pinning, stop };
	} catch (err) {
		await stop();
		throw err;
	}
}

/** @param {any} err */
function isAddrInUse(err) {
	for (let e = err, i = 0; e && i < 8; i++, e = e.cause) if (e.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(e.message))) return true;
	return false;
}
