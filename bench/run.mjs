// `npm run bench`: measures, then writes bench/results.json (one flat object of
// numbers). Nothing here is asserted: the goals live in bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { createPublicClient, createWalletClient, http, keccak256, parseAbi, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil, ANVIL_PRIVATE_KEYS } from '../scripts/anvil.mjs';
import { deployContracts } from '../scripts/deploy.mjs';
import { serveStatic } from '../scripts/serve-static.mjs';

const vaultRegistryAbi = parseAbi(['function commitBatch(uint256 expectedBatchCount, bytes32 merkleRoot, uint32 count, bytes encryptedIndexPointer)']);

const root = new URL('..', import.meta.url).pathname;
const resultsFile = join(root, 'bench/results.json');
const only = process.argv.slice(2);
const want = (group) => only.length === 0 || only.includes(group);
const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--enable-precise-memory-info'
];

async function withBrowser(fn) {
	const dir = mkdtempSync(join(tmpdir(), 'carevault-bench-'));
	const context = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
	try {
		return await fn(context);
	} finally {
		await context.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

/**
 * Samples the JS heaps of a page and of every worker it runs (Runtime.getHeapUsage
 * over CDP; `performance.memory` exists only on the page), summed at each
 * sample: the add of a large file runs in workers. `used` is what
 * `usedJSHeapSize` counts; `buffers` adds ArrayBuffer backing stores.
 */
async function heapSampler(context, page) {
	const cdp = await context.newCDPSession(page);
	const sessions = new Map();
	const waiters = new Map();
	let nextId = 1;
	cdp.on('Target.receivedMessageFromTarget', (e) => {
		const m = JSON.parse(e.message);
		if (m.id && waiters.has(m.id)) {
			waiters.get(m.id)(m.result ?? null);
			waiters.delete(m.id);
		}
	});
	const askWorker = (sessionId) =>
		new Promise((resolve) => {
			const id = nextId++;
			waiters.set(id, resolve);
			cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve(null));
			setTimeout(() => resolve(null), 2000);
		});
	async function sample() {
		const { targetInfos } = await cdp.send('Target.getTargets');
		for (const t of targetInfos) {
			if (t.type !== 'worker' || sessions.has(t.targetId)) continue;
			const attached = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false }).catch(() => null);
			if (attached) sessions.set(t.targetId, attached.sessionId);
		}
		const live = new Set(targetInfos.map((t) => t.targetId));
		const heaps = [await cdp.send('Runtime.getHeapUsage')];
		for (const [targetId, sessionId] of sessions) if (live.has(targetId)) heaps.push(await askWorker(sessionId));
		let used = 0;
		let buffers = 0;
		for (const h of heaps.filter(Boolean)) {
			used += h.usedSize;
			buffers += h.usedSize + (h.backingStorageSize ?? 0);
		}
		return { used, buffers, heaps: heaps.length };
	}
	return {
		/** Runs `work` while sampling; returns its result with the peaks (MiB). */
		async during(work) {
			const peak = { used: 0, buffers: 0, heaps: 0 };
			let running = true;
			const loop = (async () => {
				while (running) {
					const s = await sample().catch(() => null);
					if (s) for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], s[k]);
					await new Promise((r) => setTimeout(r, 20));
				}
			})();
			try {
				return { result: await work(), usedMiB: peak.used / 2 ** 20, buffersMiB: peak.buffers / 2 ** 20, heaps: peak.heaps };
			} finally {
				running = false;
				await loop;
			}
		}
	};
}

async function browserCipher() {
	console.log('bench: building the benchmark page');
	execFileSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { cwd: root, stdio: 'inherit' });
	const server = await serveStatic({ dir: join(root, 'bench/.dist') });
	try {
		await withBrowser(async (context) => {
			const page = await context.newPage();
			page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
			await page.goto(new URL("index.html", server.url).href);
			await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
			const SIZE = 256;
			const kind = await page.evaluate(() => window.carevaultBench.storeKind());
			console.log(`bench: the app's block store here: ${kind}`);
			// Warm up the WASM and the block store once, then measure both in the same run.
			await page.evaluate(() => window.carevaultBench.raw(16));
			await page.evaluate(() => window.carevaultBench.encryptStore(16));
			// Median of three alternating runs: single runs of either vary by 30% on this machine.
			const raws = [];
			const stores = [];
			const mains = [];
			const opens = [];
			const rawOpens = [];
			for (let i = 0; i < 3; i++) {
				raws.push(await page.evaluate((n) => window.carevaultBench.raw(n), SIZE));
				stores.push(await page.evaluate((n) => window.carevaultBench.encryptStore(n), SIZE));
				// Read + decrypt the file just added, beside raw decryption of as many bytes.
				opens.push(await page.evaluate(() => window.carevaultBench.openFile()));
				rawOpens.push(await page.evaluate((n) => window.carevaultBench.rawDecrypt(n), SIZE));
				mains.push(await page.evaluate((n) => window.carevaultBench.encryptStoreMainThread(n), SIZE));
			}
			results.open_mib_s = round(median(opens), 1);
			results.raw_decrypt_mib_s = round(median(rawOpens), 1);
			results.open_ratio = round(median(opens) / median(rawOpens), 3);
			console.log(`bench: open runs ${opens.map((x) => x.toFixed(1)).join(', ')}; raw decrypt runs ${rawOpens.map((x) => x.toFixed(1)).join(', ')}`);
			const raw = median(raws);
			const store = median(stores);
			results.encrypt_store_main_thread_mib_s = round(median(mains), 1);
			console.log(
				`bench: raw runs ${raws.map((x) => x.toFixed(1)).join(', ')}; encrypt+store runs ${stores.map((x) => x.toFixed(1)).join(', ')}; ` +
					`cipher on the page's thread ${mains.map((x) => x.toFixed(1)).join(', ')}`
			);
			results.raw_secretstream_mib_s = round(raw, 1);
			results.encrypt_store_mib_s = round(store, 1);
			results.encrypt_store_ratio = round(store / raw, 3);
			results.grant_1000_s = round(await page.evaluate(() => window.carevaultBench.grantBuild(1000)), 2);
			results.store_only_mib_s = round(await page.evaluate((n) => window.carevaultBench.storeOnly(n), SIZE), 1);
			results.idb_only_mib_s = round(await page.evaluate((n) => window.carevaultBench.idbOnly(n), SIZE), 1);
			results.segment_store_write_mib_s = round(await page.evaluate((n) => window.carevaultBench.segmentStoreWrite(n), SIZE), 1);
			// The fallback store, through the same app path, for comparison.
			results.encrypt_store_idb_mib_s = round(await page.evaluate((n) => window.carevaultBench.encryptStoreIdb(n), SIZE), 1);
			// What encrypt_store_ratio could be if storing cost nothing but IndexedDB's own writes.
			results.idb_only_ratio = round(results.idb_only_mib_s / raw, 3);
			results.opfs_append_mib_s = round(await page.evaluate((n) => window.carevaultBench.opfsAppend(n), SIZE), 1);
			console.log(`bench: raw ${raw.toFixed(1)} MiB/s, encrypt+store ${store.toFixed(1)} MiB/s`);
		});
		await addHeap(server);
	} finally {
		await server.stop();
	}
}

/** Peak memory of a 1 GiB add (group `cipher`, or `heap` alone). */
async function addHeap(server) {
	await withBrowser(async (context) => {
		const page = await context.newPage();
		await page.goto(new URL("index.html", server.url).href);
		await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
		// The app's path for a picked 1 GiB file: the page's heap and every worker's, summed.
		const sampler = await heapSampler(context, page);
		const add = page.evaluate(() => window.carevaultBench.addFileForHeap(1024));
		// Sampling starts once the file is built (building it is not the add).
		await page.waitForFunction(() => window.benchAddStarted === true, null, { timeout: 600_000, polling: 100 });
		const r = await sampler.during(() => add);
		results.add_1gib_peak_heap_mib = round(r.usedMiB, 1);
		results.add_1gib_peak_buffers_mib = round(r.buffersMiB, 1);
		results.add_1gib_s = round(r.result, 1);
		console.log(`bench: 1 GiB add (app path) peak JS heap ${r.usedMiB.toFixed(1)} MiB over ${r.heaps} heaps (with ArrayBuffers ${r.buffersMiB.toFixed(1)} MiB), ${r.result.toFixed(1)} s`);
		// As measured before the add moved into the workers: the cipher on the page's thread into addStream, page heap only.
		const o = await sampler.during(() => page.evaluate(() => window.carevaultBench.peakHeap(1024)));
		results.add_1gib_page_cipher_peak_heap_mib = round(o.result.peakMiB, 1);
		console.log(
			`bench: 1 GiB add with the cipher on the page (addStream) peak page heap ${o.result.peakMiB.toFixed(1)} MiB (performance.memory), ` +
				`${o.usedMiB.toFixed(1)} MiB JS heap over ${o.heaps} heaps (with ArrayBuffers ${o.buffersMiB.toFixed(1)} MiB), ${o.result.seconds.toFixed(1)} s`
		);
	});
}

async function heapOnly() {
	execFileSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { cwd: root, stdio: 'inherit' });
	const server = await serveStatic({ dir: join(root, 'bench/.dist') });
	try {
		await addHeap(server);
	} finally {
		await server.stop();
	}
}

/** Streamed open of a 1 GiB record to disk, and CAR backup/restore throughput (issue 10). */
async function backupBench() {
	execFileSync('npx', ['vite', 'build', '--config', 'bench/vite.config.ts'], { cwd: root, stdio: 'inherit' });
	const server = await serveStatic({ dir: join(root, 'bench/.dist') });
	try {
		await withBrowser(async (context) => {
			const page = await context.newPage();
			page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
			await page.goto(new URL('index.html', server.url).href);
			await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
			const r = await page.evaluate(() => window.carevaultBench.openPeakHeap(1024));
			results.open_1gib_peak_heap_mib = round(r.peakMiB, 1);
			results.open_1gib_s = round(r.seconds, 1);
			console.log(`bench: 1 GiB open to disk peak heap ${r.peakMiB.toFixed(1)} MiB (baseline ${r.baselineMiB.toFixed(1)}), ${r.seconds.toFixed(1)} s`);
		});
		await withBrowser(async (context) => {
			const page = await context.newPage();
			page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
			await page.goto(new URL('index.html', server.url).href);
			await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
			const r = await page.evaluate(() => window.carevaultBench.carBackupRestore(256));
			results.backup_car_mib_s = round(r.backupMiBs, 1);
			results.restore_car_mib_s = round(r.restoreMiBs, 1);
			console.log(`bench: CAR of ${r.carMiB.toFixed(1)} MiB: backup ${r.backupMiBs.toFixed(1)} MiB/s, restore (check + store) ${r.restoreMiBs.toFixed(1)} MiB/s`);
		});
	} finally {
		await server.stop();
	}
}

async function anchorGas() {
	const anvil = await startAnvil();
	try {
		const addresses = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
		const account = privateKeyToAccount(ANVIL_PRIVATE_KEYS[1]);
		const publicClient = createPublicClient({ transport: http(anvil.rpcUrl) });
		const walletClient = createWalletClient({ account, transport: http(anvil.rpcUrl), chain: null });
		// A realistic pointer: 24-byte nonce + CIDv1 (59 chars) + 16-byte tag.
		const pointer = toHex(new Uint8Array(24 + 59 + 16).fill(7));
		for (const [batch, n] of [1, 10, 100].entries()) {
			// The batch's Merkle root is computed off-chain; the chain stores one root whatever n is.
			const root = keccak256(toHex(`batch-of-${n}`));
			const hash = await walletClient.writeContract({
				address: addresses.vaultRegistry, abi: vaultRegistryAbi, functionName: 'commitBatch', args: [BigInt(batch), root, n, pointer], chain: null
			});
			const receipt = await publicClient.waitForTransactionReceipt({ hash });
			results[`anchor_gas_${n}`] = Number(receipt.gasUsed);
		}
		results.anchor_gas_per_record_100 = round(results.anchor_gas_100 / 100, 1);
		// Grant gas with real sealed pointers (Core's bundle code) is measured by the contract gas run.
		execFileSync('npx', ['vitest', 'run', 'contracts/test/gas.test.ts'], { cwd: root, stdio: 'ignore' });
		const report = JSON.parse(readFileSync(join(root, 'contracts/gas-report.json'), 'utf8'));
		results.grant_gas_1 = report.calls.grant_gas_1;
		results.grant_gas_1000 = report.calls.grant_gas_1000;
		results.emergency_release_gas_total = report.calls.emergency_release_gas_total;
		console.log(`bench: anchor gas 1/10/100 = ${results.anchor_gas_1}/${results.anchor_gas_10}/${results.anchor_gas_100}`);
	} finally {
		await anvil.stop();
	}
}

async function firstLoad() {
	if (!existsSync(join(root, 'build/index.html'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
	const server = await serveStatic({
		dir: join(root, 'build'),
		config: { chainId: 31337, chainName: 'Carevault local', rpcUrl: 'http://127.0.0.1:9', contracts: { keyRegistry: '0x' + '1'.repeat(40), vaultRegistry: '0x' + '2'.repeat(40), proposals: '0x' + '3'.repeat(40), grants: '0x' + '4'.repeat(40) }, deployBlock: 0, ipfsPeers: [], appDomain: 'carevault.localhost' }
	});
	try {
		await withBrowser(async (context) => {
			const page = await context.newPage();
			const scripts = new Map();
			page.on('response', async (res) => {
				const type = res.request().resourceType();
				if (type === 'script' || res.url().endsWith('.js')) {
					try { scripts.set(res.url(), await res.body()); } catch { /* redirected or aborted */ }
				}
			});
			await page.goto(server.url, { waitUntil: 'networkidle' });
			await page.waitForSelector('[data-testid="connect-wallet"]');
			let gz = 0;
			for (const body of scripts.values()) gz += gzipSync(body).length;
			results.first_load_js_gzip_kb = round(gz / 1024, 1);
			console.log(`bench: first load ${scripts.size} scripts, ${(gz / 1024).toFixed(1)} kB gzip`);
		});
	} finally {
		await server.stop();
	}
}

/**
 * Opens `link` in `runs` fresh profiles (a doctor's first visit each time) and returns the median
 * time from navigation to the first shared record on screen, every run, and where each run's time
 * went: the browser's navigation and resource timings (scripts, WebAssembly, JSON-RPC calls, IPFS
 * gateway requests) and the viewer's `carevault:link:*` marks.
 */
async function openLinkTimes(link, runs, testId = 'shared-record') {
	const times = [];
	const breakdowns = [];
	for (let i = 0; i < runs; i++) {
		await withBrowser(async (viewerContext) => {
			// The viewer's performance marks are written only with this flag (src/lib/state/perfMarks.ts).
			await viewerContext.addInitScript((id) => {
				globalThis.carevaultMarks = true;
				// When the first shared record is in the document (what the bench waits for), as a mark too.
				new MutationObserver((_, observer) => {
					if (!document.querySelector(`[data-testid="${id}"]`)) return;
					performance.mark('carevault:link:shown');
					observer.disconnect();
				}).observe(document, { childList: true, subtree: true });
			}, testId);
			const viewer = viewerContext.pages()[0] ?? (await viewerContext.newPage());
			const t = performance.now();
			await viewer.goto(link);
			await viewer.getByTestId(testId).first().waitFor({ timeout: 60_000 });
			times.push(Math.round(performance.now() - t));
			breakdowns.push(await viewer.evaluate(linkBreakdown));
		});
	}
	return { median: median(times), times, breakdowns };
}

/** Runs in the viewer page: when each kind of work started and ended, in ms since navigation. */
function linkBreakdown() {
	const span = (entries) => entries.length === 0 ? null : [Math.round(Math.min(...entries.map((e) => e.startTime))), Math.round(Math.max(...entries.map((e) => e.responseEnd ?? e.startTime + e.duration))), entries.length];
	const resources = performance.getEntriesByType('resource');
	const nav = performance.getEntriesByType('navigation')[0];
	const marks = Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('carevault:')).map((m) => [m.name.slice('carevault:'.length), Math.round(m.startTime)]));
	return {
		html: Math.round(nav.responseEnd),
		domContentLoaded: Math.round(nav.domContentLoadedEventEnd),
		scripts: span(resources.filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))),
		wasm: span(resources.filter((r) => r.name.endsWith('.wasm'))),
		config: span(resources.filter((r) => r.name.endsWith('config.json'))),
		rpc: span(resources.filter((r) => (r.initiatorType === 'fetch' || r.initiatorType === 'xmlhttprequest') && !r.name.includes('/ipfs/') && !r.name.endsWith('.json') && !r.name.endsWith('.wasm'))),
		gateway: span(resources.filter((r) => r.name.includes('/ipfs/'))),
		scriptList: resources.filter((r) => r.name.endsWith('.js')).map((r) => `${Math.round(r.startTime)}-${Math.round(r.responseEnd)} ${r.name.split('/').pop()} ${Math.round(r.encodedBodySize / 1024)}`),
		scriptKiB: Math.round(resources.filter((r) => r.name.endsWith('.js')).reduce((n, r) => n + r.encodedBodySize, 0) / 1024),
		marks
	};
}

/** The built site on a fresh local stack, with the e2e test wallet: what every in-browser app bench starts from. Stop `stack` when done. */
async function startBenchStack() {
	const { startStack, runBuild } = await import('../scripts/stack.mjs');
	const { runnerImport } = await import('vite');
	if (!existsSync(join(root, 'build/index.html'))) await runBuild();
	const { module: walletMod } = await runnerImport(join(root, 'tests/e2e/wallet.ts'), { configFile: false, logLevel: 'silent' });
	const { ANVIL_PRIVATE_KEYS: keys } = await import('../scripts/anvil.mjs');
	return { stack: await startStack({}), walletMod, keys, runnerImport };
}

async function appFlows({ linkOnly = false } = {}) {
	const { stack, walletMod, keys, runnerImport } = await startBenchStack();
	const { module: fhir } = await runnerImport(join(root, 'src/lib/records/fhir/import.ts'), { configFile: false, logLevel: 'silent' });
	try {
		const fixture = join(root, 'tests/fixtures/synthea-10');
		const { readdirSync } = await import('node:fs');
		const files = readdirSync(fixture).filter((f) => f.endsWith('.ndjson')).map((f) => join(fixture, f));
		const source = fhir.parseFhirFiles(files.map((f) => ({ name: f.split('/').pop(), text: readFileSync(f, 'utf8') })));
		const largest = fhir.listPatients(source).reduce((a, b) => (b.resourceCount > a.resourceCount ? b : a));
		await withBrowser(async (context) => {
			const wallet = await walletMod.installTestWallet(context, { rpcUrl: stack.rpcUrl, chainId: stack.config.chainId, privateKey: keys[2] });
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(stack.url);
			await page.getByTestId('connect-wallet').click();
			await page.getByTestId('create-vault-button').click();
			await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
			await page.getByTestId('nav-import').click();
			await page.getByTestId('import-files').setInputFiles(files);
			await page.getByTestId('import-patients').getByLabel(largest.name ?? largest.id, { exact: false }).check({ timeout: 60_000 });
			// The button appears once the files are compared with the vault (N new, M updated, K present); timing starts at the click.
			await page.getByTestId('import-submit').waitFor({ timeout: 120_000 });
			const sent = wallet.requests.filter((r) => r === 'eth_sendTransaction').length;
			const t0 = performance.now();
			await page.getByTestId('import-submit').click();
			await page.getByTestId('timeline-entry').first().waitFor({ timeout: 300_000 });
			if (!linkOnly) {
				results.synthea_import_s = round((performance.now() - t0) / 1000, 2);
				results.synthea_import_tx = wallet.requests.filter((r) => r === 'eth_sendTransaction').length - sent;
				results.synthea_import_resources = largest.resourceCount;

				// A fresh page load on the timeline (the wallet reconnects by itself), then from the
				// unlock click to the first painted entry: index from this device, Helia started lazily.
				await page.reload();
				await page.getByTestId('unlock-button').waitFor({ timeout: 60_000 });
				const t1 = performance.now();
				await page.getByTestId('unlock-button').click();
				await page.getByTestId('timeline-entry').first().waitFor({ timeout: 60_000 });
				results.timeline_first_paint_ms = Math.round(performance.now() - t1);
			}
			// A share link of the imported medications, opened by a doctor with no wallet in a
			// fresh profile: from navigation to the first shared record on screen (local peer).
			await page.getByTestId('nav-share').click();
			await page.getByTestId('link-form').waitFor({ timeout: 60_000 });
			await page.getByTestId('link-category-medications').check();
			await page.getByTestId('link-submit').click();
			await page.getByTestId('share-link-url').waitFor({ timeout: 120_000 });
			const link = await page.getByTestId('share-link-url').inputValue();
			// BENCH_COMPARE_BUILD=<dir>: another build of the site (e.g. an older commit's build/) opens the
			// same link in alternating fresh profiles, so both are measured under the same machine load.
			if (process.env.BENCH_COMPARE_BUILD) {
				const other = await serveStatic({ dir: process.env.BENCH_COMPARE_BUILD, config: stack.config });
				try {
					const otherLink = new URL(new URL(link).hash, other.url).href;
					const [mine, theirs] = [[], []];
					for (let i = 0; i < 7; i++) {
						mine.push((await openLinkTimes(link, 1)).median);
						theirs.push((await openLinkTimes(otherLink, 1)).median);
					}
					console.log(`bench: compare: this build median ${median(mine)} ms (${mine.join(', ')}); ${process.env.BENCH_COMPARE_BUILD} median ${median(theirs)} ms (${theirs.join(', ')})`);
				} finally {
					await other.stop();
				}
			}
			// Five fresh profiles: single opens vary by 20 to 40% on this shared machine.
			const opened = await openLinkTimes(link, 5);
			results.link_open_ms = opened.median;
			console.log(`bench: link open median ${opened.median} ms; runs ${opened.times.join(', ')}`);
			for (const b of opened.breakdowns) console.log(`bench: link open breakdown (ms since navigation: [start, end, count]) ${JSON.stringify({ ...b, scriptList: undefined })}`);
			if (process.env.BENCH_SCRIPTS) console.log(opened.breakdowns[0].scriptList.join('\n'));
			if (linkOnly) return;
			console.log(`bench: Synthea import ${results.synthea_import_s} s, ${results.synthea_import_tx} tx; timeline first paint ${results.timeline_first_paint_ms} ms`);
		});
	} finally {
		await stack.stop();
	}
}

const grantsAbi = parseAbi([
	'function grant(address grantee, uint64 expiresAt, bytes sealedPointer, bytes32 commitment) returns (uint256)',
	'function revoke(uint256 id)',
	'function grantCount() view returns (uint256)'
]);

async function auditFlow() {
	const { stack, walletMod, keys } = await startBenchStack();
	try {
		await withBrowser(async (context) => {
			await walletMod.installTestWallet(context, { rpcUrl: stack.rpcUrl, chainId: stack.config.chainId, privateKey: keys[3] });
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(stack.url);
			await page.getByTestId('connect-wallet').click();
			await page.getByTestId('create-vault-button').click();
			await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });

			// 1,000 events about this patient: 500 grants (to 50 grantees) and 500 revocations, one block each.
			const account = privateKeyToAccount(keys[3]);
			const publicClient = createPublicClient({ transport: http(stack.rpcUrl) });
			const walletClient = createWalletClient({ account, transport: http(stack.rpcUrl), chain: null });
			const grants = stack.config.contracts.grants;
			const first = (await publicClient.readContract({ address: grants, abi: grantsAbi, functionName: 'grantCount' })) + 1n;
			const pointer = toHex(new Uint8Array(160).fill(9));
			let nonce = await publicClient.getTransactionCount({ address: account.address });
			let last;
			for (let i = 0; i < 500; i++) {
				const grantee = `0x${(1000 + (i % 50)).toString(16).padStart(40, '0')}`;
				last = await walletClient.writeContract({ address: grants, abi: grantsAbi, functionName: 'grant', args: [grantee, 0n, pointer, keccak256(toHex(`grant ${i}`))], chain: null, nonce: nonce++, gas: 200_000n });
			}
			for (let i = 0; i < 500; i++)
				last = await walletClient.writeContract({ address: grants, abi: grantsAbi, functionName: 'revoke', args: [first + BigInt(i)], chain: null, nonce: nonce++, gas: 100_000n });
			await publicClient.waitForTransactionReceipt({ hash: last });

			// A fresh page load (nothing in memory), unlock, then from the click on Audit trail to the first painted entry.
			const paint = async () => {
				await page.reload();
				await page.getByTestId('unlock-button').click({ timeout: 60_000 });
				await page.getByTestId('nav-audit').waitFor({ timeout: 60_000 });
				const t0 = performance.now();
				await page.getByTestId('nav-audit').click();
				await page.getByTestId('audit-entry').first().waitFor({ timeout: 300_000 });
				const ms = Math.round(performance.now() - t0);
				const count = await page.getByTestId('audit-entry').count();
				return { ms, count };
			};
			const cold = await paint();
			// The second visit reads the sealed cache and only blocks mined since: logged, not recorded.
			const warm = await paint();
			results.audit_first_paint_ms = cold.ms;
			console.log(`bench: audit first paint ${cold.ms} ms (${cold.count} entries); second visit, sealed cache: ${warm.ms} ms (${warm.count} entries)`);
		});
	} finally {
		await stack.stop();
	}
}

async function indexLog() {
	// A dev server's module runner stays open while the bench runs: the code under test imports lazily (libsodium, Umbral).
	const { createServer } = await import('vite');
	const server = await createServer({ configFile: false, logLevel: 'silent', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom' });
	try {
		const module = await server.ssrLoadModule(join(root, 'bench/indexLog.ts'));
		Object.assign(results, await module.benchIndexLog());
	} finally {
		await server.close();
	}
}

async function remoteCopy() {
	const { createServer } = await import('vite');
	const server = await createServer({ configFile: false, logLevel: 'silent', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom' });
	try {
		const module = await server.ssrLoadModule(join(root, 'bench/remoteCopy.ts'));
		Object.assign(results, await module.benchRemoteCopy(1024));
	} finally {
		await server.close();
	}
}

/** Size of the published site: the CAR `npm run publish` makes of build/ (scripts/publish.mjs `packDirectory`). */
async function siteCar() {
	if (!existsSync(join(root, 'build/index.html'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
	const { packDirectory } = await import('../scripts/publish.mjs');
	const { cid, car, files } = await packDirectory(join(root, 'build'));
	results.site_car_kib = round(car.length / 1024, 1);
	console.log(`bench: site CAR ${files} files, ${results.site_car_kib} KiB, root ${cid}`);
}

/** Gas of a whole deployment (ours, EAS, its schema registration) on a fresh anvil: every receipt since genesis is the deploy's. */
async function deployGas() {
	const anvil = await startAnvil();
	try {
		await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
		const publicClient = createPublicClient({ transport: http(anvil.rpcUrl) });
		const latest = await publicClient.getBlockNumber();
		let gas = 0n;
		let txs = 0;
		for (let n = 1n; n <= latest; n++) {
			for (const hash of (await publicClient.getBlock({ blockNumber: n })).transactions) {
				gas += (await publicClient.getTransactionReceipt({ hash })).gasUsed;
				txs++;
			}
		}
		results.deploy_gas_total = Number(gas);
		console.log(`bench: deploy gas ${results.deploy_gas_total} over ${txs} transactions`);
	} finally {
		await anvil.stop();
	}
}

/** The FHIR data and document of the SMART Health Link e2e test: a patient, a condition, a one-page PDF. */
const SHL_PATIENT = '0d6c2b8e-4a2b-4e0a-9a5e-2f1c5b7d9e01';
const SHL_BUNDLE = {
	resourceType: 'Bundle',
	type: 'collection',
	entry: [
		{ fullUrl: `urn:uuid:${SHL_PATIENT}`, resource: { resourceType: 'Patient', id: SHL_PATIENT, name: [{ family: 'Lovelace', given: ['Ada'] }], birthDate: '1985-12-10' } },
		{
			fullUrl: 'urn:uuid:7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f',
			resource: {
				resourceType: 'Condition',
				id: '7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f',
				clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
				code: { text: 'Childhood asthma' },
				subject: { reference: `urn:uuid:${SHL_PATIENT}` },
				onsetDateTime: '1992-04-01'
			}
		}
	]
};

function onePagePdf() {
	const content = '0 0 0 rg 50 50 200 200 re f\n';
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R >>',
		`<< /Length ${content.length} >>\nstream\n${content}endstream`
	];
	let out = '%PDF-1.7\n';
	const offsets = [];
	objects.forEach((o, i) => {
		offsets.push(out.length);
		out += `${i + 1} 0 obj\n${o}\nendobj\n`;
	});
	const xref = out.length;
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

/**
 * SMART Health Links in Chromium against the local stack: the patient makes one of every record
 * (click on Create to the link on screen: records decrypted, JWE made, stored and pinned on the
 * local peer), then a browser with no wallet opens its viewer URL (navigation to the first
 * resource on screen: fetch from the local peer's gateway, decrypt, render).
 */
async function shlFlow() {
	// In-app navigation, as a click on a link: a new page load would lock the vault.
	const goHash = (page, hash) => page.evaluate((h) => {
		const a = document.createElement('a');
		a.href = h;
		document.body.append(a);
		a.click();
		a.remove();
	}, hash);
	const { stack, walletMod, keys } = await startBenchStack();
	try {
		let viewerUrl;
		await withBrowser(async (context) => {
			await walletMod.installTestWallet(context, { rpcUrl: stack.rpcUrl, chainId: stack.config.chainId, privateKey: keys[4] });
			const page = context.pages()[0] ?? (await context.newPage());
			await page.goto(stack.url);
			await page.getByTestId('connect-wallet').click();
			await page.getByTestId('create-vault-button').click();
			await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
			await page.getByTestId('no-records').waitFor({ timeout: 60_000 });
			await goHash(page, '#/import');
			await page.getByTestId('import-files').setInputFiles({ name: 'ada.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(SHL_BUNDLE)) });
			await page.getByTestId('import-submit').click({ timeout: 60_000 });
			await page.getByTestId('timeline-count').waitFor({ timeout: 120_000 });
			await goHash(page, '#/add');
			await page.getByTestId('file-input').setInputFiles({ name: 'spirometry.pdf', mimeType: 'application/pdf', buffer: onePagePdf() });
			await page.getByTestId('title-input').fill('Spirometry report');
			await page.getByTestId('category-select').selectOption('labs');
			await page.getByTestId('add-submit').click();
			await page.getByTestId('notice').filter({ hasText: 'Record added.' }).waitFor({ timeout: 120_000 });

			await goHash(page, '#/share');
			const form = page.getByTestId('shl-form');
			await form.waitFor({ timeout: 60_000 });
			await page.getByTestId('shl-mode-records').check();
			const boxes = form.getByTestId('shl-record');
			await boxes.nth(1).waitFor({ timeout: 60_000 });
			// Three links of the same records, each timed from the click to its link on screen.
			const makes = [];
			let previous = '';
			for (let i = 0; i < 3; i++) {
				// The form is cleared once a link is made.
				for (let b = 0; b < (await boxes.count()); b++) await boxes.nth(b).check();
				await page.getByTestId('shl-label-input').fill('Asthma history');
				const t0 = performance.now();
				await page.getByTestId('shl-submit').click();
				const outcome = await page.waitForFunction((prev) => {
					const el = document.querySelector('[data-testid="shl-link"]');
					if (el instanceof HTMLInputElement && el.value !== '' && el.value !== prev) return 'made';
					const error = document.querySelector('[data-testid="shl-form-error"], [data-testid="shl-form"] .notice.error');
					return error ? `error: ${error.textContent}` : false;
				}, previous, { timeout: 120_000, polling: 10 });
				if ((await outcome.jsonValue()) !== 'made') throw new Error(`making SMART Health Link ${i + 1} failed: ${await outcome.jsonValue()}`);
				makes.push(Math.round(performance.now() - t0));
				previous = await page.getByTestId('shl-link').inputValue();
			}
			if ((await page.getByTestId('shl-not-served').count()) > 0) throw new Error('the local peer does not serve the SMART Health Link');
			viewerUrl = await page.getByTestId('shl-viewer-url').inputValue();
			results.shl_make_ms = median(makes);
			console.log(`bench: SMART Health Link make median ${results.shl_make_ms} ms; runs ${makes.join(', ')}`);
		});
		// Five fresh profiles with no wallet, as for link_open_ms.
		const opened = await openLinkTimes(viewerUrl, 5, 'fhir-row');
		results.shl_open_ms = opened.median;
		console.log(`bench: SMART Health Link open median ${opened.median} ms; runs ${opened.times.join(', ')}`);
		for (const b of opened.breakdowns) console.log(`bench: SMART Health Link open breakdown ${JSON.stringify({ ...b, scriptList: undefined })}`);
	} finally {
		await stack.stop();
	}
}

if (want('cipher')) await browserCipher();
if (only.includes('heap')) await heapOnly();
if (want('backup')) await backupBench();
if (want('app')) await appFlows();
// Only the share link's open time (its setup imports the same patient as `app`): `node bench/run.mjs link`.
else if (only.includes('link')) await appFlows({ linkOnly: true });
if (want('gas')) await anchorGas();
if (want('index')) await indexLog();
if (want('load')) await firstLoad();
if (want('remote')) await remoteCopy();
if (want('audit')) await auditFlow();
if (want('site')) await siteCar();
if (want('deploy')) await deployGas();
if (want('shl')) await shlFlow();

results._machine = undefined;
writeFileSync(resultsFile, JSON.stringify(Object.fromEntries(Object.entries(results).filter(([, v]) => typeof v === 'number').sort()), null, 2) + '\n');
console.log(`bench: wrote ${resultsFile} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB)`);
