/**
 * Hash routing: back/forward and an edited fragment are client-side
 * navigations, so the vault stays unlocked (its keys are only in memory: a
 * full page load would lock it) and a form in progress is still there when
 * the patient comes back to it.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { accounts, connect, freshAccount, go, newProfile, url, waitForText } from './harness';

const TITLE = 'Knee MRI report (draft)';
const ALLERGY = { resourceType: 'AllergyIntolerance', id: 'peanut', code: { text: 'Peanut' }, patient: { reference: 'Patient/1' }, recordedDate: '2021-03-04' };
const FILE = { name: 'mri.txt', mimeType: 'text/plain', buffer: Buffer.from('MRI: small meniscus tear, no effusion.\n') };

/** Waits for the page at `hash` to be shown; fails if the page was loaded again since `markPage`. */
async function shown(page: Page, hash: string, h1: string) {
	await page.waitForFunction((h) => location.hash === h, hash);
	await waitForText(page.locator('h1'), h1);
	expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), `${hash}: no full page load`).toBe(true);
	expect(await page.getByTestId('unlock-button').count(), `${hash}: still unlocked`).toBe(0);
	expect(await page.getByTestId('lock').count(), `${hash}: the Lock button is there`).toBe(1);
}

async function addFormKept(page: Page) {
	await shown(page, '#/add', 'Add a record');
	expect(await page.getByTestId('title-input').inputValue()).toBe(TITLE);
	expect(await page.getByTestId('category-select').inputValue()).toBe('imaging');
	// The file itself is still held; the file box cannot show it, and the form says so.
	await page.getByTestId('files-kept').waitFor();
	expect(await page.getByTestId('add-form').innerText()).toContain(FILE.name);
}

describe('navigation keeps the vault and the forms', () => {
	test('back/forward and an edited fragment: still unlocked, the add and grant forms as they were left', async () => {
		const profile = await newProfile();
		await profile.wallet({ privateKey: (await freshAccount()).privateKey });
		const page = profile.page;
		await connect(page);
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await page.getByTestId('no-records').waitFor();
		await page.evaluate(() => ((window as unknown as { __samePage?: boolean }).__samePage = true));

		// A form in progress.
		await page.getByTestId('add-record-link').click();
		await page.getByTestId('file-input').setInputFiles(FILE);
		await page.getByTestId('title-input').fill(TITLE);
		await page.getByTestId('category-select').selectOption('imaging');

		// A nav link away, then back and forward.
		await page.getByTestId('nav-timeline').click();
		await shown(page, '#/timeline', 'Timeline');
		await page.goBack();
		await addFormKept(page);
		await page.goForward();
		await shown(page, '#/timeline', 'Timeline');
		await page.goBack();
		await addFormKept(page);

		// The fragment edited in the address bar (a same-document navigation), and by script.
		await page.goto(`${url}#/timeline`);
		await shown(page, '#/timeline', 'Timeline');
		await page.evaluate(() => (location.hash = '#/add'));
		await addFormKept(page);
		await page.evaluate(() => (location.hash = '#/timeline'));
		await shown(page, '#/timeline', 'Timeline');
		await page.goto(`${url}#/add`);
		await addFormKept(page);

		// The grant form too.
		await go(page, '#/share');
		await page.getByTestId('grantee-advanced-summary').click();
		await page.getByTestId('grantee-input').fill(accounts[2].address);
		await page.getByTestId('grant-category-labs').check();
		await page.goBack();
		await addFormKept(page);
		await page.goForward();
		await shown(page, '#/share', 'Share');
		expect(await page.getByTestId('grantee-input').inputValue()).toBe(accounts[2].address);
		expect(await page.getByTestId('grant-category-labs').isChecked()).toBe(true);

		// The kept draft is added as it is, and the form is empty afterwards.
		await go(page, '#/add');
		await page.getByTestId('add-submit').click();
		await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
		expect(await page.getByTestId('record-link').allInnerTexts()).toContain(TITLE);
		await go(page, '#/add');
		expect(await page.getByTestId('title-input').inputValue()).toBe('');
		expect(await page.getByTestId('category-select').inputValue()).toBe('other');
		expect(await page.getByTestId('files-kept').count()).toBe(0);

		// After a pasted FHIR resource is added, the next form starts again from files.
		await page.getByTestId('source-fhir').check();
		await page.getByTestId('fhir-input').fill(JSON.stringify(ALLERGY));
		expect(await page.getByTestId('title-input').inputValue()).toBe('Peanut');
		expect(await page.getByTestId('category-select').inputValue()).toBe('allergies');
		await page.getByTestId('add-submit').click();
		await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
		await go(page, '#/add');
		await page.getByTestId('file-input').waitFor();
		expect(await page.getByTestId('title-input').inputValue()).toBe('');
	});
});
