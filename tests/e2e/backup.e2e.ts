/**
 * CAR backup and restore in Chromium: the patient saves a backup, then a new
 * browser profile on a site configured with no IPFS peer (nothing can come
 * from the network) restores it and unlocks with the recovery code. Damaged
 * and cut backups are refused with their message, and the vault that was
 * already there still opens, byte for byte.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { config, freshAccount, go, newProfile, serveAt, url, waitForText } from './harness';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
// 5 MiB of incompressible bytes from a seed: several 1 MiB leaves, so a DAG of many blocks.
const SCAN = (() => {
	const out = Buffer.alloc(5 * 1024 * 1024 + 123);
	let block = createHash('sha256').update('carevault-backup-e2e').digest();
	for (let i = 0; i < out.length; i += block.length) {
		block.copy(out, i);
		block = createHash('sha256').update(block).digest();
	}
	return out;
})();
const FILES = [
	{ name: 'allergy.txt', mimeType: 'text/plain', buffer: Buffer.from('Penicillin: rash (2019).\n'), title: 'Allergy note', category: 'allergies' },
	{ name: 'scan.bin', mimeType: 'application/octet-stream', buffer: SCAN, title: 'CT raw data', category: 'imaging' }
];
const expected = Object.fromEntries(FILES.map((f) => [f.title, sha256(f.buffer)]));

/** The save dialog cannot be driven headless: take the other path (a private file, then a download). */
const withoutSavePicker = (context: BrowserContext) =>
	context.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));

async function connectAt(page: Page, siteUrl: string) {
	await page.goto(siteUrl);
	await page.getByTestId('connect-wallet').click();
	await page.getByTestId('account-address').waitFor();
}

async function addFile(page: Page, file: (typeof FILES)[number]) {
	await page.getByTestId('add-record-link').click();
	await page.getByTestId('file-input').setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: file.buffer });
	await page.getByTestId('title-input').fill(file.title);
	await page.getByTestId('category-select').selectOption(file.category);
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
}

async function openAll(page: Page): Promise<Record<string, string>> {
	const out: Record<string, string> = {};
	for (const f of FILES) {
		await page.getByTestId('record-link').filter({ hasText: f.title }).click();
		out[f.title] = await waitForText(page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 120_000);
		await page.goBack();
		await page.getByTestId('record-list').waitFor();
	}
	return out;
}

async function importCar(page: Page, name: string, bytes: Buffer): Promise<{ kind: string | null; text: string }> {
	await go(page, '#/backup');
	await page.getByTestId('backup-file').setInputFiles({ name, mimeType: 'application/vnd.ipld.car', buffer: bytes });
	await page.getByTestId('backup-import').click();
	const text = await waitForText(page.getByTestId('backup-notice'), /\w/, 120_000);
	return { kind: await page.getByTestId('backup-notice').getAttribute('data-kind'), text };
}

describe('CAR backup and restore', () => {
	test('add records (a cancelled add leaves none; Save to disk streams one back byte-identical), save a backup, damaged and cut backups refused with the vault intact, restore in a fresh profile with no IPFS peer, unlock: every record byte-identical', async () => {
		const patient = await freshAccount();
		const first = await newProfile();
		await withoutSavePicker(first.context);
		await first.wallet({ privateKey: patient.privateKey });
		const { page } = first;
		await connectAt(page, url);
		await page.getByTestId('create-vault-button').click();
		const code = await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 60_000);
		await page.getByTestId('recovery-code-done').click();
		for (const f of FILES) await addFile(page, f);

		// A cancelled add leaves nothing behind in the record list.
		await page.getByTestId('add-record-link').click();
		// 160 MiB from disk (Playwright caps in-memory files at 50 MB): long enough to cancel midway.
		const hugePath = join(mkdtempSync(join(tmpdir(), 'carevault-huge-')), 'huge.bin');
		writeFileSync(hugePath, Buffer.alloc(160 * 1024 * 1024, 7));
		await page.getByTestId('file-input').setInputFiles(hugePath);
		await page.getByTestId('title-input').fill('Never added');
		await page.getByTestId('add-submit').click();
		await page.getByTestId('add-cancel').click({ timeout: 60_000 });
		expect(await waitForText(page.getByTestId('notice'), 'Cancelled', 60_000)).toContain('Nothing was added to your vault');
		await go(page, '#/');
		await page.getByTestId('record-list').waitFor();
		expect((await page.getByTestId('record-link').allInnerTexts()).sort()).toEqual(FILES.map((f) => f.title).sort());

		// "Save to disk" streams the decrypted file into a download, byte-identical.
		await page.getByTestId('record-link').filter({ hasText: 'CT raw data' }).click();
		const saving = page.waitForEvent('download', { timeout: 120_000 });
		await page.getByTestId('attachment-save').click();
		const saved = await saving;
		const savedPath = join(mkdtempSync(join(tmpdir(), 'carevault-save-')), 'scan.bin');
		await saved.saveAs(savedPath);
		expect(sha256(readFileSync(savedPath))).toBe(expected['CT raw data']);
		expect(await waitForText(page.getByTestId('attachment-save-notice'), 'Saved')).toContain('scan.bin');
		await go(page, '#/');
		await page.getByTestId('record-list').waitFor();

		await go(page, '#/backup');
		const downloading = page.waitForEvent('download', { timeout: 120_000 });
		await page.getByTestId('backup-export').click();
		const download = await downloading;
		expect(download.suggestedFilename()).toMatch(/^carevault-backup-\d{4}-\d{2}-\d{2}\.car$/);
		const carPath = join(mkdtempSync(join(tmpdir(), 'carevault-car-')), download.suggestedFilename());
		await download.saveAs(carPath);
		expect(await waitForText(page.getByTestId('backup-notice'), 'Backup saved')).toContain('MiB');
		const car = readFileSync(carPath);
		expect(car.length).toBeGreaterThan(SCAN.length);

		// Damaged and cut copies are refused on the device that holds the vault, which stays as it was.
		const damaged = Buffer.from(car);
		damaged[Math.floor(damaged.length / 2)] ^= 0x20;
		const refusedDamaged = await importCar(page, 'damaged.car', damaged);
		expect(refusedDamaged).toEqual({ kind: 'error', text: expect.stringContaining('This backup file is damaged') });
		expect(refusedDamaged.text).toContain('your vault on this device is unchanged');
		const refusedCut = await importCar(page, 'cut.car', car.subarray(0, Math.floor(car.length * 0.6)));
		expect(refusedCut).toEqual({ kind: 'error', text: expect.stringContaining('This backup file is incomplete') });
		await go(page, '#/');
		// The hash router navigates asynchronously: reload only once it has, or the Backup page reloads.
		await page.getByTestId('record-list').waitFor();
		await page.reload();
		await page.getByTestId('unlock-button').click();
		await page.getByTestId('record-list').waitFor({ timeout: 60_000 });
		expect(await openAll(page)).toEqual(expected);
		await first.close();

		// A new device: same wallet, a site whose config names no IPFS peer, empty storage.
		const offline = await serveAt('/', { ...config, ipfsPeers: [] });
		const second = await newProfile();
		await second.wallet({ privateKey: patient.privateKey });
		const fresh = second.page;
		await connectAt(fresh, offline.url);
		// The cut backup is refused here too, and stores nothing the vault could be opened from.
		expect((await importCar(fresh, 'cut.car', car.subarray(0, Math.floor(car.length * 0.6)))).text).toContain('This backup file is incomplete');
		const restored = await importCar(fresh, 'backup.car', car);
		expect(restored).toEqual({ kind: 'success', text: expect.stringContaining('Backup restored on this device') });

		await go(fresh, '#/');
		await fresh.getByTestId('unlock-mode-recovery').check();
		await fresh.getByTestId('unlock-secret').fill(code);
		await fresh.getByTestId('unlock-button').click();
		await fresh.getByTestId('record-list').waitFor({ timeout: 60_000 });
		expect(await openAll(fresh)).toEqual(expected);
		await second.close();
	});
});
