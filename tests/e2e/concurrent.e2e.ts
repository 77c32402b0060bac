/**
 * Two devices of one patient writing at once: two Chromium profiles (separate
 * --user-data-dirs, so separate IndexedDB and IPFS blockstores) with the same
 * wallet. Nothing either saves may be lost, and a stale "Create vault" never
 * replaces the vault.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { freshAccount, connect, newProfile, waitForText } from './harness';

/** Fills the Add record form and submits it; does not wait for the outcome. */
async function startAdd(page: Page, title: string) {
	await page.getByTestId('add-record-link').click();
	await page.getByTestId('file-input').setInputFiles({ name: `${title}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`content of ${title}`) });
	await page.getByTestId('title-input').fill(title);
	await page.getByTestId('add-submit').click();
}

async function titles(page: Page): Promise<string[]> {
	return (await page.getByTestId('record-link').allInnerTexts()).map((t) => t.trim()).sort();
}

async function reloadAndUnlock(page: Page) {
	await page.reload();
	await page.getByTestId('unlock-button').click();
	await page.getByTestId('record-list').waitFor({ timeout: 60_000 });
}

describe('two browser profiles of the same wallet', () => {
	test('a stale "Create vault" is refused and offers unlock; records added at the same time in both all survive', async () => {
		const patient = await freshAccount();
		const one = await newProfile();
		const two = await newProfile();
		const walletOne = await one.wallet({ privateKey: patient.privateKey });
		const walletTwo = await two.wallet({ privateKey: patient.privateKey });

		// Both see "no vault yet"; the first creates one.
		await connect(one.page);
		await connect(two.page);
		await two.page.getByTestId('create-vault-button').waitFor();
		await one.page.getByTestId('create-vault-button').click();
		await one.page.getByTestId('recovery-code-done').click();
		await one.page.getByTestId('no-records').waitFor();

		// The second, still showing "Create vault", is told a vault exists and is offered to unlock it.
		await two.page.getByTestId('create-vault-button').click();
		expect(await waitForText(two.page.getByTestId('notice'), 'A vault already exists for this wallet')).toContain('Unlock it');
		await two.page.getByTestId('unlock-button').click();
		await two.page.getByTestId('no-records').waitFor({ timeout: 60_000 });

		// Both add a record from the same (empty) index; both transactions are prepared
		// before either lands, then the first lands and the second is mined stale.
		const holdOne = walletOne.holdNextSend();
		const holdTwo = walletTwo.holdNextSend();
		await startAdd(one.page, 'From device one');
		await holdOne.reached;
		await startAdd(two.page, 'From device two');
		await holdTwo.reached;
		holdOne.release();
		await waitForText(one.page.getByTestId('notice'), 'Record added.', 60_000);
		holdTwo.release();
		await waitForText(two.page.getByTestId('notice'), 'Record added.', 60_000);
		expect(await titles(two.page)).toEqual(['From device one', 'From device two']);
		// Device two sent twice: the stale commit (mined, reverted, nothing changed) and the merged one.
		expect(walletTwo.requests.filter((m) => m === 'eth_sendTransaction')).toHaveLength(2);

		// Device one never reloaded: its view is stale now. Its next add is refused before
		// sending, merged, and sent once.
		const sentBefore = walletOne.requests.filter((m) => m === 'eth_sendTransaction').length;
		await startAdd(one.page, 'From device one again');
		await waitForText(one.page.getByTestId('notice'), 'Record added.', 60_000);
		expect(walletOne.requests.filter((m) => m === 'eth_sendTransaction').length).toBe(sentBefore + 1);

		// After a reload both devices list every record from both, and each opens.
		const all = ['From device one', 'From device one again', 'From device two'];
		for (const profile of [one, two]) {
			const { page } = profile;
			await reloadAndUnlock(page);
			expect(await titles(page)).toEqual(all);
			for (const title of all) {
				await page.getByTestId('record-link').filter({ hasText: new RegExp(`^${title}$`) }).click();
				expect(await waitForText(page.getByTestId('attachment-text'), `content of ${title}`, 60_000)).toBe(`content of ${title}`);
				await page.goBack();
				await page.getByTestId('record-list').waitFor();
			}
		}
		await one.close();
		await two.close();
	});
});
