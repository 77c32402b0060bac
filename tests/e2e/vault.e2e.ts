/**
 * The patient's vault end to end: the built site in Chromium, a real anvil,
 * the local IPFS peer, the injected test wallet. Profiles are separate
 * --user-data-dirs: a second profile is a second device.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import type { Page } from 'playwright-core';
import { createTestClient, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { accounts, config, newProfile, rpcUrl, serveAt, waitForText, type Profile, connect } from './harness';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Flips a byte near the end of the block whose record in a segment file (header of 12 bytes
 * ending with the data length, then the CID, then the data) carries `cid`, anywhere under `dir`.
 */
function flipBlockByte(dir: string, cid: Buffer): boolean {
	for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
		if (!entry.isFile()) continue;
		const file = join(entry.parentPath, entry.name);
		const bytes = readFileSync(file);
		const at = bytes.indexOf(cid);
		if (at < 12 || bytes.readUInt32LE(at - 12) !== 0x31525643) continue;
		const target = at + cid.length + bytes.readUInt32LE(at - 4) - 20;
		bytes[target] ^= 0x01;
		writeFileSync(file, bytes);
		return true;
	}
	return false;
}

// A 2x2 PNG (red, green, blue, white).
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
	'base64'
);
const TEXT = Buffer.from('Blood pressure 118/76 on 2024-05-02.\nNo changes to medication.\n', 'utf8');
const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">visit.txt';
// 20 MiB of incompressible bytes, built from a seed so a failure can be reproduced.
const BIG = (() => {
	const out = Buffer.alloc(20 * 1024 * 1024);
	let block = createHash('sha256').update('carevault-e2e').digest();
	for (let i = 0; i < out.length; i += block.length) {
		block.copy(out, i);
		block = createHash('sha256').update(block).digest();
	}
	return out;
})();

const FILES = [
	{ name: HOSTILE_NAME, mimeType: 'text/plain', buffer: TEXT, title: 'Blood pressure note', category: 'notes' },
	{ name: 'xray.png', mimeType: 'image/png', buffer: PNG, title: 'Chest X-ray', category: 'imaging' },
	{ name: 'scan-raw.bin', mimeType: 'application/octet-stream', buffer: BIG, title: 'Raw scanner data', category: 'other' }
];

async function addFile(page: Page, file: (typeof FILES)[number]) {
	await page.getByTestId('add-record-link').click();
	await page.getByTestId('file-input').setInputFiles({ name: file.name, mimeType: file.mimeType, buffer: file.buffer });
	await page.getByTestId('title-input').fill(file.title);
	await page.getByTestId('category-select').selectOption(file.category);
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
}

async function unlock(page: Page) {
	await page.getByTestId('unlock-button').click();
	await page.getByTestId('record-list').waitFor({ timeout: 60_000 });
}

/** Opens every record by title and returns the SHA-256 the viewer computed of the decrypted bytes. */
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

const expected = Object.fromEntries(FILES.map((f) => [f.title, sha256(f.buffer)]));
const patient = accounts[3];
let first: Profile;

describe('the patient vault', () => {
	test('create a vault, add a text file, an image and a 20 MiB file; after a reload all open byte-identical', async () => {
		first = await newProfile();
		await first.wallet({ privateKey: patient.privateKey });
		const { page } = first;
		await connect(page);

		await page.getByTestId('create-vault-button').click();
		const code = await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 60_000);
		expect(code.length).toBeGreaterThan(20);
		await page.getByTestId('recovery-code-done').click();
		await page.getByTestId('no-records').waitFor();

		// Large files are encrypted in a Web Worker; small ones on the page's thread.
		const workers: string[] = [];
		page.on('worker', (w) => workers.push(w.url()));
		for (const f of FILES) await addFile(page, f);
		expect(await page.getByTestId('record-item').count()).toBe(3);
		expect(workers.filter((u) => u.includes('encrypt.worker'))).toHaveLength(1);

		// The hostile file name is shown as text, never run.
		await page.getByTestId('record-link').filter({ hasText: 'Blood pressure note' }).click();
		await page.getByTestId('attachment-text').waitFor();
		expect(await page.getByTestId('attachment-text').textContent()).toBe(TEXT.toString('utf8'));
		// Shown as text, cleaned of characters a file name cannot hold (records/fileName.ts).
		expect(await page.getByTestId('attachment-name').first().innerText()).toContain('_img src=x onerror=_window.__pwned=1__visit.txt');
		expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
		await page.goBack();

		// After a reload the wallet reconnects by itself (it already authorised this site), as MetaMask does.
		await page.reload();
		await unlock(page);
		const titles = await page.getByTestId('record-link').allInnerTexts();
		expect(titles.sort()).toEqual(FILES.map((f) => f.title).sort());
		expect(await openAll(page)).toEqual(expected);

		// The image really renders.
		await page.getByTestId('record-link').filter({ hasText: 'Chest X-ray' }).click();
		const img = page.getByTestId('attachment-image');
		await img.waitFor();
		await page.waitForFunction(() => (document.querySelector('[data-testid="attachment-image"]') as HTMLImageElement)?.naturalWidth === 2);
		await page.goBack();
		await first.close();
	});

	test('a second browser profile with the same wallet restores the vault; blocks come from the IPFS peer', async () => {
		const second = await newProfile();
		await second.wallet({ privateKey: patient.privateKey });
		const { page } = second;
		await connect(page);
		await unlock(page);
		expect(await openAll(page)).toEqual(expected);
		await second.close();
	});

	test('a tampered block makes its record fail clearly while the others still open', async () => {
		const again = await newProfile({ dir: first.dir });
		await again.wallet({ privateKey: patient.privateKey });
		const { page } = again;
		await connect(page);
		await unlock(page);

		await page.getByTestId('record-link').filter({ hasText: 'Blood pressure note' }).click();
		const cid = ((await page.getByTestId('attachment-cid').textContent()) ?? '').trim();
		// The block lives in an OPFS segment file (the store Chromium gets), held open by the storage
		// worker: close the browser, then flip one of the block's bytes in the profile on disk.
		const recordUrl = page.url();
		await again.close();
		const cidBytes = Buffer.from(CID.parse(cid).bytes);
		const flipped = flipBlockByte(join(first.dir, 'Default', 'File System'), cidBytes);
		expect(flipped).toBe(true);

		const third = await newProfile({ dir: first.dir });
		await third.wallet({ privateKey: patient.privateKey });
		await connect(third.page);
		await third.page.goto(recordUrl);
		// The store checks every block against its CID: the record fails clearly, right on its page.
		await third.page.getByTestId('unlock-button').click();
		expect(await waitForText(third.page.getByTestId('attachment-error'), 'damaged', 60_000)).toContain('was not used');
		expect(await third.page.getByTestId('attachment-text').count()).toBe(0);
		await third.page.getByRole('link', { name: '← All records' }).click();
		await third.page.getByTestId('record-link').filter({ hasText: 'Chest X-ray' }).click();
		expect(await waitForText(third.page.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/)).toBe(expected['Chest X-ray']);
		await third.close();
	});
});

describe('bad input loses nothing and says what happened', () => {
	test('rejected signature, rejected transaction, an empty file, then a retry that lands', async () => {
		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey: accounts[4].privateKey });
		const { page } = profile;
		await connect(page);

		wallet.rejectNext('personal_sign');
		await page.getByTestId('create-vault-button').click();
		expect(await waitForText(page.getByTestId('notice'), 'Cancelled')).toContain('Nothing was changed');
		expect(await page.getByTestId('notice').getAttribute('data-kind')).toBe('cancelled');

		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click();

		// A 0-byte file is refused before anything is stored.
		await page.getByTestId('add-record-link').click();
		await page.getByTestId('file-input').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
		await page.getByTestId('add-submit').click();
		expect(await waitForText(page.getByTestId('form-error'), 'empty')).toContain('0 bytes');

		// The anchor transaction is rejected: the encrypted record waits, and "Save again" lands it.
		await page.getByTestId('file-input').setInputFiles({ name: 'lab.txt', mimeType: 'text/plain', buffer: Buffer.from('HbA1c 5.4%') });
		await page.getByTestId('title-input').fill('HbA1c');
		wallet.rejectNext('eth_sendTransaction');
		await page.getByTestId('add-submit').click();
		expect(await waitForText(page.getByTestId('notice'), 'Cancelled')).toContain('Cancelled');
		await page.getByTestId('nav-home').click();
		await page.getByTestId('pending').waitFor();
		await page.getByTestId('retry-pending').click();
		await waitForText(page.getByTestId('notice'), 'Record added.');
		expect(await page.getByTestId('record-link').allInnerTexts()).toEqual(['HbA1c']);
		await profile.close();
	});

	test('an unreachable chain is reported clearly', async () => {
		const mounted = await serveAt('/dead-chain/', { ...config, rpcUrl: 'http://127.0.0.1:9' });
		const profile = await newProfile();
		await profile.wallet({ privateKey: accounts[5].privateKey });
		const { page } = profile;
		await page.goto(mounted.url);
		await page.getByTestId('connect-wallet').click();
		expect(await waitForText(page.getByTestId('notice'), 'Cannot reach the blockchain', 60_000)).toContain('127.0.0.1:9');
		await profile.close();
	});
});

describe('passphrase vaults', () => {
	test('feedback while typing refuses a guessable passphrase; a strong one makes a vault (Argon2id MODERATE in Chromium)', async () => {
		// A fresh funded account: every dev account already has a role in some spec.
		const privateKey = generatePrivateKey();
		await createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).setBalance({
			address: privateKeyToAccount(privateKey).address,
			value: parseEther('10')
		});
		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey });
		const { page } = profile;
		await connect(page);
		await page.getByRole('button', { name: 'Use a passphrase instead' }).click();

		const strength = page.getByTestId('passphrase-strength');
		const create = page.getByTestId('create-passphrase-button');
		await page.getByTestId('passphrase-input').fill('password123456');
		await page.getByTestId('passphrase-repeat').fill('password123456');
		expect(await waitForText(strength, 'Too easy to guess.')).toContain('This is similar to a commonly used password.');
		expect(await strength.getAttribute('data-ok')).toBe('false');
		expect(await create.isDisabled()).toBe(true);

		await page.getByTestId('passphrase-input').fill('plaid otter sings quietly 91');
		await page.getByTestId('passphrase-repeat').fill('plaid otter sings quietly 91');
		await waitForText(strength, 'Strong enough.');
		expect(await create.isEnabled()).toBe(true);
		await create.click();
		await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 120_000);
		expect(wallet.requests).not.toContain('personal_sign');
		await page.getByTestId('recovery-code-done').click();
		await page.getByTestId('no-records').waitFor();

		// It opens again with the passphrase after a reload.
		await page.reload();
		await page.getByRole('radio', { name: 'Passphrase' }).check();
		await page.getByTestId('unlock-secret').fill('plaid otter sings quietly 91');
		await page.getByTestId('unlock-button').click();
		await page.getByTestId('no-records').waitFor({ timeout: 120_000 });
		await profile.close();
	});
});
