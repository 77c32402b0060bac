/**
 * Remote copies in Chromium (issue 10): the patient adds the local peer's
 * Pinning Service API endpoint in Settings, adds records, sees them copied;
 * then the browser profile is gone (the first browser is closed, a fresh
 * profile opens) and the vault is restored from the wallet alone, every
 * record byte-identical. A remote with a wrong token shows "failed" with a
 * retry, and the add itself still succeeds.
 */
import { describe, expect, test } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { config, connect, freshAccount, go, newProfile, pinning, waitForText } from './harness';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const FILES = [
	{ name: 'lab.txt', mimeType: 'text/plain', buffer: Buffer.from('Hb 14.1 g/dL, 2025-03-04\n'), title: 'Blood count', category: 'labs' },
	// More than one UnixFS leaf (1 MiB each), so the service fetches a DAG, not one block.
	{ name: 'scan.bin', mimeType: 'application/octet-stream', buffer: randomBytes(3 * 1024 * 1024 + 7), title: 'Scanner data', category: 'imaging' }
];

async function addFile(page: Page, file: (typeof FILES)[number]) {
	await page.getByTestId('add-record-link').click();
	await page.getByTestId('file-input').setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: file.buffer });
	await page.getByTestId('title-input').fill(file.title);
	await page.getByTestId('category-select').selectOption(file.category);
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
}

async function createVault(page: Page) {
	await page.getByTestId('create-vault-button').click();
	await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 60_000);
	await page.getByTestId('recovery-code-done').click();
	await page.getByTestId('no-records').waitFor();
}

/** Settings: adds a Pinning Service API remote copy with `token` (the endpoint is the site's suggestion). */
async function addRemote(page: Page, token: string) {
	await go(page, '#/settings');
	await page.getByTestId('remote-form').waitFor();
	expect(await page.getByTestId('remote-endpoint').inputValue()).toBe(config.pinning!.endpoint);
	await page.getByTestId('remote-token').fill(token);
	await page.getByTestId('remote-add').click();
	await page.getByTestId('remote-item').waitFor({ timeout: 30_000 });
	await go(page, '#/');
	await page.getByTestId('no-records').or(page.getByTestId('record-list')).waitFor();
}

/** Waits until every record in the list shows `state` (the copy runs in the background). */
async function allRecords(page: Page, state: string, count: number) {
	await page.waitForFunction(
		([s, n]) => document.querySelectorAll(`[data-testid="copy-state"][data-state="${s}"]`).length === n,
		[state, count] as const,
		{ timeout: 120_000 }
	);
}

describe('remote copies', () => {
	test('records copied to the local peer’s pinning endpoint; the profile wiped, the vault restored from the wallet alone, every record byte-identical', async () => {
		const patient = await freshAccount();
		const first = await newProfile();
		await first.wallet({ privateKey: patient.privateKey });
		const { page } = first;
		await connect(page);
		await createVault(page);
		// Nothing beyond this device yet: the home page says so.
		expect(await page.getByTestId('home-copies').getAttribute('data-state')).toBe('local');

		// Test connection names a bad token plainly, then accepts the right one.
		await go(page, '#/settings');
		await page.getByTestId('remote-token').fill('not-the-token');
		await page.getByTestId('remote-test-new').click();
		expect(await waitForText(page.getByTestId('remote-test-result-new'), /refused the access token/)).toBeTruthy();
		await page.getByTestId('remote-token').fill(pinning.token);
		await page.getByTestId('remote-test-new').click();
		await waitForText(page.getByTestId('remote-test-result-new'), /accepted the access token/);
		await addRemote(page, pinning.token);

		for (const f of FILES) await addFile(page, f);
		await allRecords(page, 'copied', FILES.length);
		expect(await page.getByTestId('copy-state').first().innerText()).toContain(`copied to ${new URL(config.pinning!.endpoint).host}`);
		await page.getByTestId('home-copies').waitFor({ state: 'detached', timeout: 60_000 });
		await go(page, '#/settings');
		await page.waitForFunction(() => document.querySelector('[data-testid="remote-summary"]')?.getAttribute('data-not-copied') === '0', null, { timeout: 60_000 });

		// The service's own list: header, two index blocks, two records and the sealed remote list, pinned through the API.
		const pins = (await (
			await fetch(`${pinning.endpoint}/pins?name=carevault&status=pinned&limit=1000`, { headers: { Authorization: `Bearer ${pinning.token}` } })
		).json()) as { count: number };
		expect(pins.count).toBeGreaterThanOrEqual(6);
		await first.close();

		// A new profile: empty browser store, the first browser closed; the peer is the only holder.
		const second = await newProfile();
		await second.wallet({ privateKey: patient.privateKey });
		await connect(second.page);
		await second.page.getByTestId('unlock-button').click();
		await second.page.getByTestId('record-list').waitFor({ timeout: 120_000 });
		for (const f of FILES) {
			await second.page.getByTestId('record-link').filter({ hasText: f.title }).click();
			expect(await waitForText(second.page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 120_000)).toBe(sha256(f.buffer));
			await second.page.goBack();
			await second.page.getByTestId('record-list').waitFor();
		}
		// The remote copy travelled with the vault (sealed); this device sees everything copied.
		await allRecords(second.page, 'copied', FILES.length);
		await go(second.page, '#/settings');
		expect(await waitForText(second.page.getByTestId('remote-item'), /127\.0\.0\.1/)).toContain('token …' + pinning.token.slice(-4));
		await second.close();
	});

	test('a remote with a wrong token shows failed with the reason and a retry; the add still succeeded', async () => {
		const patient = await freshAccount();
		const profile = await newProfile();
		await profile.wallet({ privateKey: patient.privateKey });
		const { page } = profile;
		await connect(page);
		await createVault(page);
		await addRemote(page, 'wrong-token');

		await addFile(page, FILES[0]);
		expect(await page.getByTestId('record-item').count()).toBe(1);
		await allRecords(page, 'failed', 1);
		expect(await page.getByTestId('copy-error').innerText()).toMatch(/refused the access token/);
		expect(await page.getByTestId('home-copies').getAttribute('data-state')).toBe('failed');

		// Retry asks again; the token is still wrong, so it fails again with the same reason.
		await page.getByTestId('copy-retry').click();
		await allRecords(page, 'failed', 1);
		expect(await page.getByTestId('copy-error').innerText()).toMatch(/refused the access token/);

		// The record itself opens: the failed copy never touched the vault.
		await page.getByTestId('record-link').click();
		expect(await waitForText(page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 60_000)).toBe(sha256(FILES[0].buffer));
		await profile.close();
	});
});
