/**
 * What an e2e spec needs: the running stack (from globalSetup), Chromium
 * profiles (one per person/device, reopenable to test restarts), the injected
 * wallet, and page diagnostics printed when a test fails.
 */
import { afterAll, afterEach, beforeEach, inject } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ANVIL_ADDRESSES, ANVIL_PRIVATE_KEYS } from '../../scripts/anvil.mjs';
import { serveStatic } from '../../scripts/serve-static.mjs';
import { installTestWallet, type TestWallet } from './wallet';

export { installTestWallet, type TestWallet };

/** Base URL of the served site (ends with '/'). */
export const url: string = inject('url');
/** The anvil RPC the site is configured with. */
export const rpcUrl: string = inject('rpcUrl');
/** The config.json the site gets. */
export const config = inject('config');
/** The local peer's Pinning Service API endpoint and token (not in config.json). */
export const pinning: { endpoint: string; token: string } = inject('pinning');

/** Anvil's dev accounts: [0] deployed the contracts; use [1..] as patients, doctors … */
export const accounts = ANVIL_PRIVATE_KEYS.map((privateKey, i) => ({
	privateKey: privateKey as Hex,
	address: ANVIL_ADDRESSES[i] as Hex
}));

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export interface Profile {
	/** The profile's --user-data-dir; pass it to newProfile({ dir }) to reopen it after close(). */
	dir: string;
	context: BrowserContext;
	/** The first tab. */
	page: Page;
	/** Console errors, page errors and failed requests seen so far, newest last. */
	diagnostics: string[];
	/** Installs the test wallet in this profile (call before page.goto). */
	wallet(options?: { privateKey?: Hex; chainId?: number }): Promise<TestWallet>;
	/** Closes the browser; the directory stays until the spec file ends. */
	close(): Promise<void>;
}

const open = new Set<Profile>();
const dirs = new Set<string>();
let testLog: string[] = [];
// Chromium logs every Content-Security-Policy violation (and every malformed
// policy) as a console error; any of them fails the running test, so a change
// the policy breaks shows up in whichever spec exercises it.
let cspViolations: string[] = [];
const CSP_MESSAGE = /Content.Security.Policy/i;

/**
 * Returns the CSP console errors seen in this test so far and forgets them, so
 * a test that provokes a violation on purpose can check it and still pass.
 */
export function takeCspViolations(): string[] {
	return cspViolations.splice(0);
}

/**
 * Launches Chromium with a persistent profile: a fresh directory by default
 * (a new person or device), or `dir` to reopen an earlier profile (a browser
 * restart: IndexedDB and site data survive).
 */
export async function newProfile(options: { dir?: string; viewport?: { width: number; height: number }; /** Extra Chromium flags (e.g. a fake camera). */ args?: string[] } = {}): Promise<Profile> {
	const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'carevault-profile-'));
	dirs.add(dir);
	// Chromium locks a profile directory; reopening one still open (say, after a
	// failed test skipped its close()) means restarting that browser.
	for (const other of [...open]) if (other.dir === dir) await other.close();
	const context = await chromium.launchPersistentContext(dir, {
		executablePath: CHROMIUM,
		headless: true,
		args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
		viewport: options.viewport ?? { width: 1280, height: 900 }
	});
	// Chromium's console message does not say where the blocked code came from; the event does.
	await context.addInitScript(() =>
		document.addEventListener('securitypolicyviolation', (e) =>
			console.error(`Content-Security-Policy violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} from ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`)
		)
	);
	const diagnostics: string[] = [];
	const note = (line: string) => {
		diagnostics.push(line);
		testLog.push(`[${dir.slice(-6)}] ${line}`);
	};
	const watch = (page: Page) => {
		page.on('console', (msg) => {
			if (msg.type() === 'error' || msg.type() === 'warning') note(`console.${msg.type()}: ${msg.text()}`);
			if ((msg.type() === 'error' || msg.type() === 'warning') && CSP_MESSAGE.test(msg.text())) cspViolations.push(`${page.url()}: ${msg.text()}`);
		});
		page.on('pageerror', (err) => note(`page error: ${err.stack ?? err.message}`));
		page.on('requestfailed', (req) => note(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`));
		page.on('response', (res) => {
			if (res.status() >= 400) note(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
		});
	};
	context.pages().forEach(watch);
	context.on('page', watch);
	const page = context.pages()[0] ?? (await context.newPage());
	const profile: Profile = {
		dir,
		context,
		page,
		diagnostics,
		wallet: (w = {}) =>
			installTestWallet(context, {
				rpcUrl,
				chainId: w.chainId ?? config.chainId,
				privateKey: w.privateKey ?? accounts[1].privateKey
			}),
		close: async () => {
			open.delete(profile);
			await context.close();
		}
	};
	open.add(profile);
	return profile;
}

/**
 * Serves the same build mounted at `base` (e.g. '/ipfs/<cid>/') with the run's
 * config, or `siteConfig` instead; stopped when the spec file ends.
 */
export async function serveAt(
	base: string,
	siteConfig: object = config
): Promise<{ url: string; setConfig(config: object | undefined): void }> {
	const server = await serveStatic({ base, config: siteConfig });
	servers.add(server);
	return server;
}
const servers = new Set<{ stop(): Promise<void> }>();

/** Opens the site and connects the profile's test wallet. */
export async function connect(page: Page): Promise<void> {
	await page.goto(url);
	await page.getByTestId('connect-wallet').click();
	await page.getByTestId('account-address').waitFor();
}

/**
 * Client-side navigation, as a click on a nav link does: keeps the unlocked
 * vault (a full page load would lock it).
 */
export async function go(page: Page, hash: string): Promise<void> {
	await page.evaluate((h) => {
		const a = document.createElement('a');
		a.href = h;
		document.body.append(a);
		a.click();
		a.remove();
	}, hash);
}

/** Waits until the locator is visible and its text contains `text`; resolves with the full text. */
export async function waitForText(locator: Locator, text: string | RegExp, timeout = 30_000): Promise<string> {
	const handle = await locator.first().elementHandle({ timeout });
	const pattern = typeof text === 'string' ? { source: text, flags: '', plain: true } : { source: text.source, flags: text.flags, plain: false };
	await locator.page().waitForFunction(
		({ el, p }) => {
			const t = (el as HTMLElement).innerText ?? '';
			return p.plain ? t.includes(p.source) : new RegExp(p.source, p.flags).test(t);
		},
		{ el: handle, p: pattern },
		{ timeout }
	);
	return (await locator.first().innerText()).trim();
}

/** Waits until the locator matches nothing visible. */
export async function waitForGone(locator: Locator, timeout = 30_000): Promise<void> {
	await locator.first().waitFor({ state: 'hidden', timeout });
}

beforeEach((ctx) => {
	testLog = [];
	cspViolations = [];
	ctx.onTestFailed(() => {
		if (testLog.length > 0)
			console.log(`--- browser diagnostics for "${ctx.task.name}" ---\n${testLog.join('\n')}\n--- end ---`);
	});
});

afterEach(() => {
	const seen = takeCspViolations();
	if (seen.length > 0) throw new Error(`Content-Security-Policy violations:\n${seen.join('\n')}`);
});

afterAll(async () => {
	for (const profile of [...open]) await profile.close().catch(() => undefined);
	for (const server of [...servers]) await server.stop();
	servers.clear();
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	dirs.clear();
});

/**
 * A new account with 100 ETH on the stack's anvil. The ten dev accounts are
 * each taken by some spec, and specs share one chain: a spec that needs a
 * vault of its own (no other spec's records, requests or grants) uses these.
 */
export async function freshAccount(): Promise<{ privateKey: Hex; address: Hex }> {
	const privateKey = generatePrivateKey();
	const { address } = privateKeyToAccount(privateKey);
	const res = await fetch(rpcUrl, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_setBalance', params: [address, '0x56BC75E2D63100000'] })
	});
	const body = (await res.json()) as { error?: { message: string } };
	if (body.error) throw new Error(`anvil_setBalance: ${body.error.message}`);
	return { privateKey, address };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is now and returns every critical, serious
 * or moderate violation, one line each (rule, impact, first offending
 * element). axe is evaluated through the DevTools protocol, which the page's
 * CSP does not govern; nothing is injected as a script element.
 */
export async function a11yViolations(page: Page): Promise<string[]> {
	await page.evaluate(AXE_SOURCE);
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; html: string }> }> }> } }).axe;
		const result = await axe.run(document, { resultTypes: ['violations'] });
		return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, where: v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 120)}`) }));
	});
	return violations
		.filter((v) => v.impact === 'critical' || v.impact === 'serious' || v.impact === 'moderate')
		.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.where.length} element(s), e.g. ${v.where[0]}`);
}
