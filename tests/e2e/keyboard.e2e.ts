/**
 * The main flows with the keyboard only (Tab to move, Enter or Space to act,
 * Escape to close a dialog): connect, create a vault, add a record, open it,
 * grant it to a provider, revoke the grant, make a share link and open it in
 * another browser. The one exception is the file chooser, which no key can
 * drive: the file box is reached by Tab and then given a file.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { connect, freshAccount, go, newProfile, url, waitForText } from './harness';

const DOCTOR = 'Dr. Ada Keyboard';
const NOTE = { name: 'visit.txt', mimeType: 'text/plain', buffer: Buffer.from('Sprained ankle; ice and rest for a week.\n') };
const TITLE = 'Ankle visit note';

/** What has the focus, as "testid" or "TAG:text". */
function focused(page: Page): Promise<string> {
	return page.evaluate(() => {
		const el = document.activeElement;
		if (!el || el === document.body) return 'body';
		return el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}:${(el.textContent ?? '').trim().slice(0, 30)}`;
	});
}

/**
 * Presses Tab until the element with `testid` has the focus (at most `max`
 * presses); fails with everything that got the focus on the way.
 */
async function tabTo(page: Page, testid: string, max = 150): Promise<void> {
	await page.getByTestId(testid).first().waitFor({ timeout: 60_000 });
	const seen: string[] = [];
	for (let i = 0; i <= max; i++) {
		const now = await focused(page);
		if (now === testid) {
			// The focus is plainly visible: a solid outline at least 2 CSS px thick (WCAG 2.4.13),
			// not the browser's thin default ring.
			const outline = await page.evaluate(() => {
				const style = getComputedStyle(document.activeElement as Element);
				return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
			});
			expect(outline.style, `${testid}: a focus outline`).not.toBe('none');
			expect(outline.width, `${testid}: a focus outline at least 2px thick`).toBeGreaterThanOrEqual(2);
			return;
		}
		seen.push(now);
		await page.keyboard.press('Tab');
	}
	throw new Error(`Tab never reached "${testid}"; the focus went to: ${seen.join(' → ')}`);
}

describe('keyboard only', () => {
	test('create a vault, add, open, grant, revoke, make and open a share link', async () => {
		// A registered provider, in another browser (set up with the mouse: not the flow under test).
		const doctorAccount = await freshAccount();
		const doctor = await newProfile();
		await doctor.wallet({ privateKey: doctorAccount.privateKey });
		const dp = doctor.page;
		await connect(dp);
		await go(dp, '#/provider');
		await dp.getByTestId('create-vault-button').click();
		await dp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await dp.getByTestId('provider-name-input').fill(DOCTOR);
		await dp.getByTestId('provider-register').click();
		await waitForText(dp.getByTestId('provider-current-name'), DOCTOR, 60_000);

		// The patient: keys only from here on.
		const patient = await newProfile();
		await patient.wallet({ privateKey: (await freshAccount()).privateKey });
		const page = patient.page;
		await page.goto(url);
		await tabTo(page, 'connect-wallet');
		await page.keyboard.press('Enter');
		await page.getByTestId('account-address').waitFor();
		await tabTo(page, 'create-vault-button');
		await page.keyboard.press('Enter');
		await tabTo(page, 'recovery-code-done');
		await page.keyboard.press('Enter');
		await page.getByTestId('no-records').waitFor();

		// Add a text record.
		await tabTo(page, 'add-record-link');
		await page.keyboard.press('Enter');
		await tabTo(page, 'file-input');
		await page.getByTestId('file-input').setInputFiles(NOTE);
		await tabTo(page, 'title-input');
		await page.keyboard.press('ControlOrMeta+a');
		await page.keyboard.type(TITLE);
		await tabTo(page, 'category-select');
		await page.keyboard.type('Notes');
		expect(await page.getByTestId('category-select').inputValue()).toBe('notes');
		await tabTo(page, 'add-submit');
		await page.keyboard.press('Enter');
		await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);

		// Open it.
		await tabTo(page, 'record-link');
		await page.keyboard.press('Enter');
		expect(await waitForText(page.getByTestId('attachment-text'), 'Sprained', 60_000)).toBe(NOTE.buffer.toString().trim());

		// Grant the notes to the provider.
		await tabTo(page, 'nav-share');
		await page.keyboard.press('Enter');
		await tabTo(page, 'grantee-advanced-summary');
		await page.keyboard.press('Enter');
		await tabTo(page, 'grantee-input');
		await page.keyboard.type(doctorAccount.address);
		await waitForText(page.getByTestId('grantee-name'), DOCTOR, 60_000);
		await tabTo(page, 'grant-category-notes');
		await page.keyboard.press('Space');
		expect(await page.getByTestId('grant-category-notes').isChecked()).toBe(true);
		await tabTo(page, 'grant-submit');
		await page.keyboard.press('Enter');
		expect(await waitForText(page.getByTestId('notice'), 'Shared with', 120_000)).toContain(DOCTOR);

		// Revoke: the dialog takes the focus, Escape closes it without revoking, Enter on Revoke revokes.
		const row = page.getByTestId('grant-row').filter({ hasText: DOCTOR });
		await tabTo(page, 'grant-revoke');
		await page.keyboard.press('Enter');
		await page.getByTestId('revoke-warning').waitFor();
		expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="revoke-dialog"]')), 'focus inside the dialog').toBe(true);
		await page.keyboard.press('Escape');
		await page.getByTestId('revoke-warning').waitFor({ state: 'detached' });
		expect(await page.getByTestId('revoke-dialog').evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
		expect(await row.getAttribute('data-status')).toBe('active');
		expect(await focused(page), 'the focus back on the Revoke button').toBe('grant-revoke');
		await page.keyboard.press('Enter');
		await tabTo(page, 'revoke-confirm', 5);
		await page.keyboard.press('Enter');
		expect(await waitForText(page.getByTestId('notice'), 'Revoked', 120_000)).toContain('cannot be taken back');
		await page.locator('[data-testid="grant-row"][data-status="revoked"]').waitFor({ timeout: 60_000 });

		// A share link of the notes.
		await tabTo(page, 'link-category-notes');
		await page.keyboard.press('Space');
		await tabTo(page, 'link-submit');
		await page.keyboard.press('Enter');
		await page.getByTestId('share-link-url').waitFor({ timeout: 120_000 });
		const link = await page.getByTestId('share-link-url').inputValue();
		await tabTo(page, 'share-link-done');
		await page.keyboard.press('Enter');

		// Opened in a browser with no wallet, by keys.
		const viewer = (await newProfile()).page;
		await viewer.goto(link);
		await viewer.getByTestId('link-share').waitFor({ timeout: 60_000 });
		await tabTo(viewer, 'shared-record-open');
		await viewer.keyboard.press('Enter');
		expect(await waitForText(viewer.getByTestId('shared-attachment-text'), 'Sprained', 60_000)).toBe(NOTE.buffer.toString().trim());
	});
});
