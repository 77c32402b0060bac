/**
 * The Content-Security-Policy and the frame refusal, in Chromium against the
 * served build: the policy names the stack's endpoints, an injected inline
 * script is blocked and reported, the app inside another site's frame does
 * nothing, and the app itself works under the policy. (Every other spec runs
 * under the same policy; harness.ts fails a test on any CSP console error.)
 */
import { describe, expect, test } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { freshAccount, config, connect, newProfile, pinning, rpcUrl, takeCspViolations, url, waitForText } from './harness';

/** The page's CSP meta tag as a map of directive → sources. */
async function policyOf(page: Page): Promise<Map<string, string[]>> {
	const contents = await page.locator('meta[http-equiv="content-security-policy" i]').evaluateAll((metas) =>
		metas.map((m) => m.getAttribute('content') ?? '')
	);
	expect(contents).toHaveLength(1);
	return new Map(
		contents[0]
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((parts) => parts[0] !== '')
			.map(([name, ...sources]) => [name, sources])
	);
}

// Where the browser dials the stack's IPFS peer, e.g. /ip4/127.0.0.1/tcp/4001/ws/p2p/… → ws://127.0.0.1:4001.
function peerSocket(multiaddr: string): string {
	const m = /^\/ip4\/([\d.]+)\/tcp\/(\d+)\/(wss?)(\/|$)/.exec(multiaddr);
	if (!m) throw new Error(`unexpected peer address ${multiaddr}`);
	return `${m[3]}://${m[1]}:${m[2]}`;
}

describe('Content-Security-Policy', () => {
	test('the served page carries the strict policy, with the configured RPC and IPFS peer in connect-src', async () => {
		const profile = await newProfile();
		await profile.page.goto(url);
		const policy = await policyOf(profile.page);

		expect(policy.get('default-src')).toEqual(["'self'"]);
		const scriptSrc = policy.get('script-src')!;
		expect(scriptSrc.slice(0, 2)).toEqual(["'self'", "'wasm-unsafe-eval'"]);
		// Only hashes beyond that: SvelteKit's bootstrap script, nothing that allows any inline script.
		expect(scriptSrc.slice(2).length).toBeGreaterThan(0);
		for (const source of scriptSrc.slice(2)) expect(source).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
		expect(policy.get('style-src')).toEqual(["'self'"]);
		expect(policy.get('img-src')).toEqual(["'self'", 'blob:', 'data:']);
		expect(policy.get('worker-src')).toEqual(["'self'"]);
		expect(policy.get('frame-src')).toEqual(["'none'"]);
		expect(policy.get('object-src')).toEqual(["'none'"]);
		expect(policy.get('base-uri')).toEqual(["'none'"]);
		expect(policy.get('form-action')).toEqual(["'none'"]);
		const all = [...policy.values()].flat();
		expect(all).not.toContain("'unsafe-inline'");
		expect(all).not.toContain("'unsafe-eval'");

		const connectSrc = policy.get('connect-src')!;
		expect(connectSrc[0]).toBe("'self'");
		expect(connectSrc).toContain(new URL(rpcUrl).origin);
		expect(config.ipfsPeers.length).toBeGreaterThan(0);
		for (const peer of config.ipfsPeers) expect(connectSrc).toContain(peerSocket(peer));
		// The local peer's trustless gateway and pinning endpoint (one HTTP origin).
		expect(config.gateways.length).toBeGreaterThan(0);
		for (const gateway of config.gateways) expect(connectSrc).toContain(new URL(gateway).origin);
		expect(connectSrc).toContain(new URL(config.pinning!.endpoint).origin);
		// The served config names the endpoint but never carries the pinning token.
		const served = await (await fetch(new URL('config.json', url))).text();
		expect(served).toContain(config.pinning!.endpoint);
		expect(served).not.toContain(pinning.token);
		await profile.close();
	});

	test('an injected inline script is blocked and reported as a securitypolicyviolation', async () => {
		const profile = await newProfile();
		const { page } = profile;
		await page.goto(url);
		await page.locator('main').waitFor();

		const logged = page.waitForEvent('console', (msg) => msg.type() === 'error' && /Content Security Policy/i.test(msg.text()));
		logged.catch(() => undefined); // awaited below; a failure earlier must not leave it unhandled
		// Resolves with the violation, or with 'ran' if the script was not blocked (no policy).
		const violation = await page.evaluate(
			() =>
				new Promise<'ran' | { violatedDirective: string; effectiveDirective: string; blockedURI: string; disposition: string }>((resolve) => {
					document.addEventListener(
						'securitypolicyviolation',
						(e) => resolve({ violatedDirective: e.violatedDirective, effectiveDirective: e.effectiveDirective, blockedURI: e.blockedURI, disposition: e.disposition }),
						{ once: true }
					);
					(window as unknown as { __cspRan: () => void }).__cspRan = () => resolve('ran');
					const script = document.createElement('script');
					script.textContent = 'window.__cspInjected = 1; window.__cspRan();';
					document.body.append(script);
				})
		);
		if (violation === 'ran') throw new Error('the injected inline script ran');
		expect(violation.violatedDirective).toMatch(/^script-src/);
		expect(violation.effectiveDirective).toBe('script-src-elem');
		expect(violation.blockedURI).toBe('inline');
		expect(violation.disposition).toBe('enforce');
		expect(await page.evaluate(() => (window as unknown as { __cspInjected?: number }).__cspInjected)).toBeUndefined();

		// The harness saw the same violation on the console (and would fail any other test on it).
		expect((await logged).text()).toMatch(/inline script/i);
		const seen = takeCspViolations();
		expect(seen.length).toBeGreaterThan(0);
		expect(seen.some((line) => /inline script/i.test(line))).toBe(true);
		expect(seen.every((line) => /script-src/.test(line))).toBe(true);
		await profile.close();
	});

	test('inside another site\'s frame the app shows a refusal and never asks the wallet or opens storage', async () => {
		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey: (await freshAccount()).privateKey });
		const { page } = profile;
		// Another site (another origin: another port) that frames Carevault, as a clickjacking page would.
		// A real local server: Chromium refuses to let a page it cannot place on the local network frame 127.0.0.1.
		const framer = createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(`<!doctype html><title>Not Carevault</title><h1>Win a prize</h1><iframe src="${url}" width="900" height="600"></iframe>`);
		});
		await new Promise<void>((ok) => framer.listen(0, '127.0.0.1', ok));
		const framerUrl = `http://127.0.0.1:${(framer.address() as AddressInfo).port}/`;
		expect(new URL(framerUrl).origin).not.toBe(new URL(url).origin);
		try {
			await page.goto(framerUrl);
		} finally {
			framer.close();
		}
		const frame = page.frameLocator('iframe');
		await frame.getByTestId('framed-refusal').waitFor();
		const refusal = await frame.getByTestId('framed-refusal').innerText();
		expect(refusal).toMatch(/cannot be opened inside another page/);
		expect(refusal).toMatch(/own browser tab/);

		const app = page.frames().find((f) => f.url().startsWith(url))!;
		expect(app).toBeDefined();
		expect(await frame.getByTestId('connect-wallet').count()).toBe(0);
		expect(await frame.locator('nav').count()).toBe(0);
		expect(wallet.requests).toEqual([]);
		expect(await app.evaluate(() => indexedDB.databases())).toEqual([]);
		expect(await app.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

		// The same build opened directly (top level) starts normally.
		await page.goto(url);
		await page.getByTestId('connect-wallet').waitFor();
		expect(await page.getByTestId('framed-refusal').count()).toBe(0);
		await profile.close();
	});

	test('under the policy: connect the wallet, create a vault, add a note and an image, open both', async () => {
		const profile = await newProfile();
		await profile.wallet({ privateKey: (await freshAccount()).privateKey });
		const { page } = profile;
		await connect(page);
		expect((await policyOf(page)).get('connect-src')).toContain(new URL(rpcUrl).origin);

		await page.getByTestId('create-vault-button').click();
		await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 60_000);
		await page.getByTestId('recovery-code-done').click();
		await page.getByTestId('no-records').waitFor();

		const note = Buffer.from('Allergy: penicillin (rash, 2019).\n', 'utf8');
		// A 2x2 PNG: shown from a blob: URL, which img-src allows.
		const png = Buffer.from(
			'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
			'base64'
		);
		for (const f of [
			{ name: 'allergy.txt', mimeType: 'text/plain', buffer: note, title: 'Allergy note', category: 'notes' },
			{ name: 'rash.png', mimeType: 'image/png', buffer: png, title: 'Rash photo', category: 'imaging' }
		]) {
			await page.getByTestId('add-record-link').click();
			await page.getByTestId('file-input').setInputFiles({ name: f.name, mimeType: f.mimeType, buffer: f.buffer });
			await page.getByTestId('title-input').fill(f.title);
			await page.getByTestId('category-select').selectOption(f.category);
			await page.getByTestId('add-submit').click();
			await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
		}

		await page.getByTestId('record-link').filter({ hasText: 'Allergy note' }).click();
		expect(await waitForText(page.getByTestId('attachment-text'), 'penicillin')).toBe(note.toString('utf8').trim());
		await page.goBack();
		await page.getByTestId('record-link').filter({ hasText: 'Rash photo' }).click();
		await page.getByTestId('attachment-image').waitFor();
		await page.waitForFunction(() => (document.querySelector('[data-testid="attachment-image"]') as HTMLImageElement)?.naturalWidth === 2);
		await profile.close();
		// No CSP violation on the way: the harness's afterEach fails the test otherwise.
	});
});
