// Starts the npm-installed anvil (local EVM chain, chain id 31337) for
// `npm start`, tests and benchmarks. The native binary is spawned directly
// rather than through node_modules/.bin/anvil (a Node wrapper), so stopping
// the child really stops the chain.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const ANVIL_CHAIN_ID = 31337;
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/** Anvil's well-known dev accounts (from ANVIL_MNEMONIC): public test keys, never for real funds. */
export const ANVIL_PRIVATE_KEYS = /** @type {const} */ ([
	'0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
	'0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
	'0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
	'0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
	'0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
	'0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
	'0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
	'0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
	'0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
	'0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6'
]);

/** Addresses of ANVIL_PRIVATE_KEYS, same order. */
export const ANVIL_ADDRESSES = /** @type {const} */ ([
	'0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
	'0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
	'0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
	'0x90F79bf6EB2c4f870365E785982E1f101E93b906',
	'0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
	'0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
	'0x976EA74026E726554dB657fA54763abd0C3a0aa9',
	'0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
	'0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
	'0xa0Ee7A142d267C1f36714E4a8F75612F20a79720'
]);

/** Path of the native anvil binary from @foundry-rs/anvil's platform package. */
export function anvilBinary() {
	/** @type {Record<string, string>} */
	const archNames = { x64: 'amd64', arm64: 'arm64' };
	const arch = archNames[process.arch] ?? process.arch;
	const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
	try {
		const p = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`);
		if (existsSync(p)) return p;
	} catch {
		// Fall back to the wrapper below.
	}
	return join(root, 'node_modules/.bin/anvil');
}

export class AnvilStartError extends Error {
	name = 'AnvilStartError';
}

const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	// A crashed or interrupted test run must not leave chains behind.
	process.on('exit', () => {
		for (const child of live) child.kill('SIGKILL');
	});
}

/**
 * Starts anvil and resolves once it answers `eth_chainId`.
 * With no `port`, anvil binds a free one (port 0) and the chosen port is read
 * from its "Listening on" line, so parallel runs never collide.
 * @param {{ port?: number, host?: string, blockTime?: number, chainId?: number, timeoutMs?: number, args?: string[] }} [options]
 * @returns {Promise<{ rpcUrl: string, host: string, port: number, chainId: number, pid: number | undefined, stop(): Promise<void> }>}
 */
export async function startAnvil({ port, host = '127.0.0.1', blockTime, chainId = ANVIL_CHAIN_ID, timeoutMs = 30_000, args = [] } = {}) {
	const argv = ['--host', host, '--port', String(port ?? 0), '--chain-id', String(chainId), ...args];
	if (blockTime !== undefined) argv.push('--block-time', String(blockTime));
	const child = spawn(anvilBinary(), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
	installExitHook();
	live.add(child);

	let output = '';
	let exited = false;
	const exitedPromise = new Promise((resolve) => child.once('exit', resolve));
	child.once('exit', () => {
		exited = true;
		live.delete(child);
	});

	const stop = async () => {
		if (exited) return;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
		await exitedPromise;
		clearTimeout(timer);
	};

	try {
		const boundPort = await new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new AnvilStartError(`anvil did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
			/** @param {Buffer} chunk */
			const onData = (chunk) => {
				// Keep the start-up text for error messages only; later logs are drained and dropped.
				if (output.length < 16_384) output += chunk.toString();
				const m = /Listening on [^\s]*:(\d+)/.exec(output);
				if (m) {
					clearTimeout(timer);
					resolve(Number(m[1]));
				}
			};
			child.stdout.on('data', onData);
			child.stderr.on('data', onData);
			child.once('error', (err) => {
				clearTimeout(timer);
				reject(new AnvilStartError(`cannot run ${anvilBinary()}: ${err.message}`, { cause: err }));
			});
			child.once('exit', (code, signal) => {
				clearTimeout(timer);
				reject(new AnvilStartError(`anvil exited (${code ?? signal}) before listening:\n${output}`));
			});
		});
		const urlHost = host.includes(':') ? `[${host}]` : host;
		const rpcUrl = `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${boundPort}`;
		await waitForRpc(rpcUrl, chainId, timeoutMs);
		return { rpcUrl, host, port: boundPort, chainId, pid: child.pid, stop };
	} catch (err) {
		await stop();
		throw err;
	}
}

/**
 * @param {string} rpcUrl
 * @param {number} chainId
 * @param {number} timeoutMs
 */
async function waitForRpc(rpcUrl, chainId, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	/** @type {unknown} */
	let last;
	while (Date.now() < deadline) {
		try {
			const res = await fetch(rpcUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] })
			});
			const body = await res.json();
			if (Number(body.result) === chainId) return;
			last = new Error(`eth_chainId answered ${JSON.stringify(body)}`);
		} catch (err) {
			last = err;
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new AnvilStartError(`anvil at ${rpcUrl} did not answer eth_chainId: ${last instanceof Error ? last.message : String(last)}`);
}

// `node scripts/anvil.mjs [--port N]`: runs a chain in the foreground until interrupted.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const i = process.argv.indexOf('--port');
	const anvil = await startAnvil({ port: i > 0 ? Number(process.argv[i + 1]) : 8545 });
	console.log(JSON.stringify({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId }));
	const quit = () => anvil.stop().then(() => process.exit(0));
	process.on('SIGINT', quit);
	process.on('SIGTERM', quit);
}
