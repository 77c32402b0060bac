/**
 * The local block store in Debian's Chromium: records are written to OPFS
 * segment files by the storage worker, and read back from them with the
 * IPFS peer unreachable. Settings shows the store, persistence and quota.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, freshAccount, go, newProfile, url, waitForText } from './harness';

const BYTES = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('OPFS segment store', () => {
	test('a record added in Chromium lands in segment files and opens from them with no peer reachable', async () => {
		const patient = await freshAccount();
		const profile = await newProfile();
		await profile.wallet({ privateKey: patient.privateKey });
		const { page } = profile;
		const workers: string[] = [];
		page.on('worker', (w) => workers.push(w.url()));
		await connect(page);
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await page.getByTestId('no-records').waitFor();

		await page.getByTestId('add-record-link').click();
		await page.getByTestId('file-input').setInputFiles({ name: 'scan.bin', mimeType: 'application/octet-stream', buffer: BYTES });
		await page.getByTestId('title-input').fill('Segment store scan');
		await page.getByTestId('add-submit').click();
		await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);

		// Settings names the store in use, and it holds the record's bytes.
		await go(page, '#/settings');
		await expect.poll(() => page.getByTestId('store-kind').getAttribute('data-kind'), { timeout: 30_000 }).toBe('opfs-segments');
		const segments = await waitForText(page.getByTestId('store-segments'), /file/);
		expect(segments).toMatch(/^\d+ file\(s\)/);
		expect(await page.getByTestId('store-usage').innerText()).toMatch(/MiB of .*(MiB|GiB)/);
		expect(await page.getByTestId('store-persisted').innerText()).toMatch(/Yes|No|Unknown/);
		expect(workers.some((u) => u.includes('segment.worker'))).toBe(true);

		// The segment files really are in the origin's private file system, larger than the file.
		const files = await page.evaluate(async () => {
			const root = await navigator.storage.getDirectory();
			const dir = await root.getDirectoryHandle('carevault-ipfs-segments');
			const out: { name: string; size: number }[] = [];
			for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
				out.push({ name, size: (await handle.getFile()).size });
			}
			return out;
		});
		expect(files.length).toBeGreaterThan(0);
		expect(files.every((f) => /^\d+\.seg$/.test(f.name))).toBe(true);
		expect(files.reduce((n, f) => n + f.size, 0)).toBeGreaterThan(BYTES.length);
		// Nothing went to the IndexedDB blockstore.
		const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
		expect(dbs).toContain('carevault-ipfs-segments-index');
		expect(dbs).not.toContain('carevault-ipfs-blocks');

		// With every WebSocket refused (no IPFS peer), the record still opens byte-identical after a reload.
		await profile.context.routeWebSocket(/.*/, (ws) => ws.close());
		await page.goto(url);
		await page.getByTestId('unlock-button').click();
		await page.getByTestId('record-list').waitFor({ timeout: 60_000 });
		await page.getByTestId('record-link').filter({ hasText: 'Segment store scan' }).click();
		expect(await waitForText(page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 120_000)).toBe(sha256(BYTES));
	});
});
