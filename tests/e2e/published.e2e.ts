/**
 * The site as published: `npm run publish` packs the built site with the stack's config into a
 * CAR and pins it on the local IPFS peer through its Pinning Service API; the peer's gateway then
 * serves it, and nothing else does. (a) At a subdomain origin, http://<cid>.ipfs.localhost:<port>/
 * (Chromium resolves *.localhost to loopback itself), the whole core flow runs: connect, create a
 * vault, add records, open one, make a Carevault link and open it in another browser; a later
 * release (a new CID, a new origin with empty storage) gets the vault back from the wallet and the
 * peer alone. (b) At the path gateway, http://127.0.0.1:<port>/ipfs/<cid>/, the link viewer works
 * and creating or unlocking a vault is refused with the reason.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../../scripts/stack.mjs';
import { config, freshAccount, go, newProfile, pinning, waitForText, type Profile } from './harness';

const NOTE = { title: 'Published-site note', category: 'notes', name: 'note.txt', text: 'Seen through the IPFS gateway.\n' };
// 17 MiB: large files are encrypted in a Web Worker, which must load from the gateway too.
const SCAN = { title: 'Large scan', category: 'imaging', name: 'scan.bin', buffer: Buffer.alloc(17 * 1024 * 1024, 7) };

const work = mkdtempSync(join(tmpdir(), 'carevault-published-'));
const gateway = new URL(config.gateways[0]);

/**
 * Runs `npm run publish` (the script itself: the site is built already) on a copy of build/ with
 * `siteConfig`, pinning on the stack's peer. Resolves with the printed CID and the command's log.
 */
function publish(name: string, siteConfig: object): Promise<{ cid: string; log: string }> {
	const dir = join(work, name);
	cpSync(join(ROOT, 'build'), dir, { recursive: true });
	const configFile = join(work, `${name}.json`);
	writeFileSync(configFile, JSON.stringify(siteConfig));
	const args = ['scripts/publish.mjs', '--no-build', '--dir', dir, '--out', join(work, `${name}.car`), '--config', configFile];
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CAREVAULT_PINNING_TOKEN: pinning.token } });
		let out = '';
		let log = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (log += d));
		child.on('error', reject);
		child.on('exit', (code) => (code === 0 ? resolve({ cid: out.trim(), log }) : reject(new Error(`publish exited ${code}:\n${log}`))));
	});
}

const subdomainUrl = (cid: string) => `http://${cid}.ipfs.localhost:${gateway.port}/`;
const pathUrl = (cid: string) => `${gateway.origin}/ipfs/${cid}/`;

async function addRecord(page: Page, r: { title: string; category: string; name: string; text?: string; buffer?: Buffer }) {
	await go(page, '#/add');
	await page.getByTestId('file-input').setInputFiles({ name: r.name, mimeType: 'application/octet-stream', buffer: r.buffer ?? Buffer.from(r.text ?? '') });
	await page.getByTestId('title-input').fill(r.title);
	await page.getByTestId('category-select').selectOption(r.category);
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 180_000);
}

let release: string;
let patient: Profile;
let account: Awaited<ReturnType<typeof freshAccount>>;
let link: string;

beforeAll(async () => {
	const published = await publish('release-1', config);
	release = published.cid;
	expect(release).toMatch(/^bafy[a-z2-7]{55}$/);
	expect(published.log).toContain(`Pinned ${release} at ${pinning.endpoint}`);
	account = await freshAccount();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the published site on a subdomain gateway', () => {
	test('connect, create a vault, add records, open one, make a Carevault link and open it in another browser', async () => {
		patient = await newProfile();
		await patient.wallet({ privateKey: account.privateKey });
		const page = patient.page;
		const workers: string[] = [];
		page.on('worker', (w) => workers.push(w.url()));
		const site = subdomainUrl(release);
		const response = await page.goto(site);
		expect(response?.status()).toBe(200);
		// Served by the gateway with the site's own policy as a header, frame-ancestors included.
		expect(response?.headers()['content-security-policy']).toMatch(/connect-src 'self' .*; frame-ancestors 'none'$/);
		expect(response?.headers()['x-ipfs-roots']).toBe(release);

		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('account-address').waitFor();
		await page.getByTestId('create-vault-button').click({ timeout: 60_000 });
		await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await page.getByTestId('no-records').waitFor();
		await addRecord(page, NOTE);
		await addRecord(page, SCAN);
		// The encryption worker and the storage worker both came from the gateway's origin.
		expect(workers.some((u) => u.startsWith(site) && u.includes('encrypt.worker'))).toBe(true);
		expect(workers.some((u) => u.startsWith(site) && u.includes('segment.worker'))).toBe(true);

		// Every file the site asked of its own origin was there (scripts, styles, wasm, workers, config.json).
		expect(patient.diagnostics.filter((d) => /HTTP 4\d\d|request failed/.test(d) && d.includes(site))).toEqual([]);

		await go(page, '#/');
		await page.getByTestId('record-link').filter({ hasText: NOTE.title }).click();
		expect(await waitForText(page.getByTestId('attachment-text'), 'IPFS gateway', 60_000)).toBe(NOTE.text.trim());

		await go(page, '#/share');
		await page.getByTestId('link-form').waitFor();
		await page.getByTestId('link-category-notes').check();
		await page.getByTestId('link-submit').click();
		await page.getByTestId('share-link-url').waitFor({ timeout: 120_000 });
		link = await page.getByTestId('share-link-url').inputValue();
		await page.getByTestId('share-link-done').click();
		// The link points at the page it was made on: this release's own origin.
		expect(link.startsWith(`${site}#/link/`)).toBe(true);

		const doctor = await newProfile();
		const dp = doctor.page;
		await dp.goto(link);
		await dp.getByTestId('link-share').waitFor({ timeout: 60_000 });
		expect(await dp.getByTestId('shared-record-title').allInnerTexts()).toEqual([NOTE.title]);
		await dp.getByTestId('shared-record-open').filter({ hasText: NOTE.title }).click();
		expect(await waitForText(dp.getByTestId('shared-attachment-text'), 'IPFS gateway', 60_000)).toBe(NOTE.text.trim());
		await doctor.close();
	});

	test('a new release is a new origin with empty storage: the same wallet unlocks the vault there with nothing else', async () => {
		// Any change gives a new CID; here the config names the chain differently.
		const next = await publish('release-2', { ...config, chainName: `${config.chainName} (release 2)` });
		expect(next.cid).not.toBe(release);
		const device = await newProfile();
		await device.wallet({ privateKey: account.privateKey });
		const page = device.page;
		await page.goto(subdomainUrl(next.cid));
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('unlock-button').click({ timeout: 60_000 });
		await page.getByTestId('record-list').waitFor({ timeout: 120_000 });
		expect((await page.getByTestId('record-link').allInnerTexts()).sort()).toEqual([SCAN.title, NOTE.title].sort());
		await page.getByTestId('record-link').filter({ hasText: NOTE.title }).click();
		expect(await waitForText(page.getByTestId('attachment-text'), 'IPFS gateway', 60_000)).toBe(NOTE.text.trim());
		await device.close();
		await patient.close();
	});
});

describe('the published site on a path gateway', () => {
	test('the link viewer works at /ipfs/<cid>/; creating or unlocking a vault is refused with the reason', async () => {
		const site = pathUrl(release);
		const viewer = await newProfile();
		const vp = viewer.page;
		await vp.goto(`${site}${new URL(link).hash}`);
		await vp.getByTestId('link-share').waitFor({ timeout: 60_000 });
		expect(await vp.getByTestId('shared-record-title').allInnerTexts()).toEqual([NOTE.title]);
		await vp.getByTestId('shared-record-open').filter({ hasText: NOTE.title }).click();
		expect(await waitForText(vp.getByTestId('shared-attachment-text'), 'IPFS gateway', 60_000)).toBe(NOTE.text.trim());
		expect(viewer.diagnostics.filter((d) => /HTTP 404|request failed/.test(d))).toEqual([]);
		await viewer.close();

		// The patient's own wallet, whose vault exists: still no unlock here, and no signature asked.
		const visitor = await newProfile();
		const wallet = await visitor.wallet({ privateKey: account.privateKey });
		const page = visitor.page;
		await page.goto(site);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('account-address').waitFor();
		const refused = await waitForText(page.getByTestId('vault-refused'), 'shared IPFS gateway', 60_000);
		expect(refused).toContain(`${gateway.host}/ipfs/`);
		expect(refused).toContain('every site the gateway serves shares this one browser origin');
		expect(await page.getByTestId('create-vault-button').count()).toBe(0);
		expect(await page.getByTestId('unlock-button').count()).toBe(0);
		expect(wallet.requests).not.toContain('personal_sign');
		await visitor.close();
	});
});
