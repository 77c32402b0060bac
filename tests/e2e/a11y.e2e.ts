/**
 * Every page checked with axe-core (no critical, serious or moderate
 * violation), on a desktop window and on a phone-sized one (390x844, as in
 * MetaMask's in-app browser), where nothing may need sideways scrolling.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { a11yViolations, connect, freshAccount, go, newProfile, waitForText } from './harness';

const PAGES = ['#/', '#/timeline', '#/lists', '#/charts', '#/add', '#/import', '#/export', '#/inbox', '#/share', '#/trust', '#/provider', '#/shared', '#/research', '#/researcher', '#/emergency', '#/emergency-request', '#/audit', '#/settings', '#/backup'];

/** Lets the page settle (loads finished, no busy line) before it is checked. */
async function settle(page: Page) {
	await page.getByRole('heading', { level: 1 }).waitFor();
	await page.waitForFunction(() => !document.querySelector('[role="status"]')?.textContent?.match(/…$/), undefined, { timeout: 60_000 }).catch(() => undefined);
}

async function checkAll(page: Page, hashes: string[]): Promise<string[]> {
	const found: string[] = [];
	for (const hash of hashes) {
		await go(page, hash);
		await settle(page);
		expect(await page.locator('h1').count(), `${hash}: one h1`).toBe(1);
		expect(await page.title(), `${hash}: a title`).toMatch(/ · Carevault$/);
		for (const v of await a11yViolations(page)) found.push(`${hash}: ${v}`);
	}
	return found;
}

async function overflow(page: Page): Promise<number> {
	return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function startVault(page: Page) {
	await connect(page);
	await page.getByTestId('create-vault-button').click();
	await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
	await page.getByTestId('add-record-link').click();
	await page.getByTestId('file-input').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('A short visit note.\n') });
	await page.getByTestId('title-input').fill('Visit note');
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
}

describe('accessibility and small screens', () => {
	test('no critical, serious or moderate axe violation on any page, locked or unlocked', async () => {
		const account = await freshAccount();
		const profile = await newProfile();
		await profile.wallet({ privateKey: account.privateKey });
		const page = profile.page;
		await page.goto(new URL('#/', (await import('./harness')).url).href);
		await settle(page);
		// The check itself can fail: an image with no text alternative is reported.
		await page.evaluate(() => document.querySelector('main')?.append(Object.assign(document.createElement('img'), { src: 'data:,', id: 'axe-probe' })));
		expect((await a11yViolations(page)).join('\n')).toContain('image-alt (critical)');
		await page.evaluate(() => document.getElementById('axe-probe')?.remove());
		const found = (await a11yViolations(page)).map((v) => `#/ (not connected): ${v}`);
		await startVault(page);
		// The patient's pages come in three labelled groups, not one long bar.
		const nav = page.getByTestId('nav-patient-area-links');
		for (const [group, link] of [['Records', 'nav-timeline'], ['Who sees what', 'nav-audit'], ['Emergency and research', 'nav-emergency']] as const)
			expect(await nav.getByRole('group', { name: group, exact: true }).getByTestId(link).count(), group).toBe(1);
		found.push(...(await checkAll(page, PAGES)));
		await go(page, '#/');
		await page.getByTestId('record-link').filter({ hasText: 'Visit note' }).click();
		await waitForText(page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 60_000);
		found.push(...(await a11yViolations(page)).map((v) => `record page: ${v}`));
		expect(found).toEqual([]);
	});

	test('a phone-sized window (390x844): the main pages need no sideways scrolling, and a record opens', async () => {
		const account = await freshAccount();
		const profile = await newProfile({ viewport: { width: 390, height: 844 } });
		await profile.wallet({ privateKey: account.privateKey });
		const page = profile.page;
		await startVault(page);
		const wide: string[] = [];
		for (const hash of PAGES) {
			await go(page, hash);
			await settle(page);
			const extra = await overflow(page);
			if (extra > 0) wide.push(`${hash}: ${extra}px too wide`);
		}
		expect(wide).toEqual([]);
		await go(page, '#/');
		await page.getByTestId('record-link').filter({ hasText: 'Visit note' }).click();
		expect(await waitForText(page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 60_000)).toMatch(/^[0-9a-f]{64}$/);
		expect(await overflow(page)).toBe(0);
	});
});
