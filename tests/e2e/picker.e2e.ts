/**
 * Picking a provider without typing an address: the patient searches the
 * verified providers by name (keyboard, ARIA combobox), or scans the
 * provider's QR code with the camera (Chromium's fake camera playing a Y4M
 * video of the code, see fakeCamera.ts) or from a picture. A stranger who only
 * registered a name never appears in the results and is flagged as not
 * verified when scanned. The link viewer scans links the same way and opens
 * only our link formats.
 * Providers are registered and attested from node (as `npm run attest` does);
 * fresh accounts so no other spec's providers interfere.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { attestProvider, DEMO_ATTESTER_PRIVATE_KEY } from '../../scripts/attest.mjs';
import { deriveVaultKeys, publicKeysOf } from '../../src/lib/crypto/keys';
import { createProviderChain } from '../../src/lib/chain/providerChain';
import { createVaultChain } from '../../src/lib/chain/vaultChain';
import { encodeShl } from '../../src/lib/vault/shl/payload';
import { config, connect, freshAccount, go, newProfile, rpcUrl, url, waitForText } from './harness';
import { fakeCameraArgs, qrPng, qrVideo } from './fakeCamera';

/** Publishes keys and registers `name` for a fresh account, as the provider page does. */
async function registeredProvider(name: string): Promise<{ address: Hex; privateKey: Hex }> {
	const who = await freshAccount();
	const transport = http(rpcUrl);
	const account = privateKeyToAccount(who.privateKey);
	const chain = { id: config.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
	const client = {
		publicClient: createPublicClient({ chain, transport }),
		walletClient: createWalletClient({ chain, transport, account }),
		account,
		addresses: { ...config.contracts, proposals: config.contracts.proposals! }
	};
	await createVaultChain(client).publishKeys(publicKeysOf(await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)))));
	await createProviderChain(client).registerProvider({ name, role: 'physician' });
	return who;
}

/** Remembers every camera stream the page opens, so a test can check they were all stopped. */
async function trackCameras(page: Page): Promise<void> {
	await page.context().addInitScript(() => {
		const streams: MediaStream[] = [];
		(window as unknown as { __cameraStreams: MediaStream[] }).__cameraStreams = streams;
		const original = navigator.mediaDevices?.getUserMedia?.bind(navigator.mediaDevices);
		if (!original) return;
		navigator.mediaDevices.getUserMedia = async (constraints) => {
			const stream = await original(constraints);
			streams.push(stream);
			return stream;
		};
	});
}

/** [streams opened, live tracks left]. */
const cameras = (page: Page) =>
	page.evaluate(() => {
		const streams = (window as unknown as { __cameraStreams?: MediaStream[] }).__cameraStreams ?? [];
		return [streams.length, streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length];
	});

async function patientWithVault(args: string[] = []): Promise<Page> {
	const who = await freshAccount();
	const profile = await newProfile({ args });
	await trackCameras(profile.page);
	await profile.wallet({ privateKey: who.privateKey });
	const page = profile.page;
	await connect(page);
	await page.getByTestId('create-vault-button').click();
	await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
	await page.getByTestId('no-records').waitFor();
	return page;
}

describe('provider picker', () => {
	test('search verified providers by name with the keyboard; a self-registered name is never listed', async () => {
		const tag = Math.random().toString(36).slice(2, 8);
		const name = `Harbour Clinic ${tag}`;
		const [clinic, stranger] = await Promise.all([registeredProvider(`whatever I like ${tag}`), registeredProvider(name)]);
		await attestProvider({
			rpcUrl,
			privateKey: DEMO_ATTESTER_PRIVATE_KEY,
			eas: config.contracts.eas!,
			schemaUid: config.providerSchemaUid!,
			provider: clinic.address,
			name,
			role: 'physician',
			licence: `GMC ${tag}`
		});

		const page = await patientWithVault();
		await go(page, '#/share');
		const box = page.getByTestId('provider-search');
		await box.waitFor();
		await box.focus();
		await page.keyboard.type(`harbour ${tag}`);
		const option = page.getByTestId('provider-search-option');
		await option.first().waitFor({ timeout: 60_000 });
		// Only the attested account, under the attested name, with who verified it.
		expect(await option.count()).toBe(1);
		expect(await option.getAttribute('data-address')).toBe(clinic.address);
		const text = await option.innerText();
		expect(text).toContain(name);
		const attester = config.trustedAttesters[0]!;
		expect(text).toContain(`attested by ${attester.slice(0, 6)}…${attester.slice(-4)}`);
		expect(text).toContain(`${clinic.address.slice(0, 6)}…${clinic.address.slice(-4)}`);
		expect(await page.locator(`[data-testid="provider-search-option"][data-address="${stranger.address}"]`).count()).toBe(0);

		// ARIA: an expanded combobox whose active option is announced.
		expect(await box.getAttribute('role')).toBe('combobox');
		expect(await box.getAttribute('aria-expanded')).toBe('true');
		await page.keyboard.press('ArrowDown');
		const active = await box.getAttribute('aria-activedescendant');
		expect(active).toBeTruthy();
		expect(await page.locator(`#${active}`).getAttribute('aria-selected')).toBe('true');
		await page.keyboard.press('Enter');

		// Picked: the chosen provider shows as verified, under the attested name.
		const chosen = page.getByTestId('grantee-chosen');
		await chosen.waitFor();
		expect(await chosen.getAttribute('data-address')).toBe(clinic.address);
		expect(await box.getAttribute('aria-expanded')).toBe('false');
		await page.locator('[data-testid="grantee-name"] [data-status="verified"]').waitFor({ timeout: 60_000 });
		expect(await waitForText(page.getByTestId('grantee-name').getByTestId('provider-verified-name'), name)).toBe(name);
		// The raw address field is under "Advanced", closed.
		expect(await page.getByTestId('grantee-input').isVisible()).toBe(false);

		// Searching the name the stranger registered (not attested) finds only the clinic; a made-up name finds nothing.
		await box.fill('');
		await box.focus();
		await page.keyboard.type('nobody by this name');
		await waitForText(page.getByTestId('provider-search-status'), 'No verified provider matches.');
	});

	test('the patient scans an unverified provider’s QR code with the camera: picked, with a clear “not verified” warning; the camera stops', async () => {
		const stranger = await registeredProvider('City Hospital Lab');
		const page = await patientWithVault(fakeCameraArgs(qrVideo(stranger.address)));
		await go(page, '#/share');
		await page.getByTestId('grantee-scan-start').click();
		const chosen = page.getByTestId('grantee-chosen');
		await chosen.waitFor({ timeout: 60_000 });
		expect(await chosen.getAttribute('data-address')).toBe(stranger.address);
		await page.locator('[data-testid="grantee-name"] [data-status="unverified"]').waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('grantee-not-verified').innerText()).toContain('Not verified');
		expect(await page.getByTestId('provider-declared-name').innerText()).toBe('City Hospital Lab');
		// Done: the camera is off (no live track) and the scan button is back.
		await page.getByTestId('grantee-scan-start').waitFor();
		expect(await cameras(page)).toEqual([1, 0]);
	});

	test('scan from a picture: an attested provider shows verified; a picture without a code or of another QR says why', async () => {
		const tag = Math.random().toString(36).slice(2, 8);
		const clinic = await registeredProvider(`self-typed ${tag}`);
		await attestProvider({
			rpcUrl,
			privateKey: DEMO_ATTESTER_PRIVATE_KEY,
			eas: config.contracts.eas!,
			schemaUid: config.providerSchemaUid!,
			provider: clinic.address,
			name: `Quayside Surgery ${tag}`,
			role: 'physician',
			licence: `GMC ${tag}`
		});
		const page = await patientWithVault();
		await go(page, '#/share');
		const file = page.getByTestId('grantee-scan-file');
		await file.setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: await qrPng('https://evil.example/#0x70997970C51812dc3A010C7d01b50e0d17dc79C8') });
		expect(await waitForText(page.getByTestId('grantee-scan-refused'), 'not an account address')).toContain('This QR code was not used');
		expect(await page.getByTestId('grantee-chosen').count()).toBe(0);
		await file.setInputFiles({ name: 'blank.png', mimeType: 'image/png', buffer: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64') });
		await waitForText(page.getByTestId('grantee-scan-problem'), 'No QR code was found in this picture');
		await file.setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: await qrPng(`ethereum:${clinic.address}@${config.chainId}`) });
		await page.getByTestId('grantee-chosen').waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('grantee-chosen').getAttribute('data-address')).toBe(clinic.address);
		await page.locator('[data-testid="grantee-name"] [data-status="verified"]').waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('provider-verified-name').innerText()).toBe(`Quayside Surgery ${tag}`);
		expect(await page.getByTestId('grantee-not-verified').count()).toBe(0);
	});

	test('the link viewer scans a SMART Health Link with the camera and opens it (here: refused as expired); the camera stops', async () => {
		const gateway = config.gateways[0]!;
		const expired = encodeShl({ url: `${gateway}/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku?format=raw`, key: 'A'.repeat(43), exp: 1_600_000_000, flag: 'U', v: 1 });
		const profile = await newProfile({ args: fakeCameraArgs(qrVideo(`https://some-viewer.example/#${expired}`)) });
		const page = profile.page;
		await trackCameras(page);
		await page.goto(`${url}#/shl`);
		await page.getByTestId('link-scan-start').click();
		const refused = page.getByTestId('shl-refused');
		await refused.waitFor({ timeout: 60_000 });
		expect(await refused.getAttribute('data-reason')).toBe('ShlExpiredError');
		await page.getByTestId('link-scan-start').waitFor();
		expect(await cameras(page)).toEqual([1, 0]);
		// The address bar never held the link.
		expect(page.url()).toBe(`${url}#/shl`);

	});

	test('the link viewer refuses a QR code that is not one of our links, and the camera stops on leaving the page', async () => {
		const profile = await newProfile({ args: fakeCameraArgs(qrVideo('https://evil.example/login?next=carevault')) });
		const page = profile.page;
		await trackCameras(page);
		await page.goto(`${url}#/shl`);
		await page.getByTestId('link-scan-start').click();
		expect(await waitForText(page.getByTestId('link-scan-refused'), 'neither a Carevault share link nor a SMART Health Link', 60_000)).toContain('This QR code was not used');
		expect(page.url()).toBe(`${url}#/shl`);
		expect(await cameras(page)).toEqual([1, 1]);
		await go(page, '#/');
		await page.getByTestId('link-scan-card').waitFor({ state: 'detached' });
		expect(await cameras(page)).toEqual([1, 0]);
	});

	test('no camera: a clear message, and the picture fallback is offered', async () => {
		// No fake device and no prompt UI: headless Chromium has no camera to give.
		const profile = await newProfile();
		const page = profile.page;
		await page.goto(`${url}#/shl`);
		await page.getByTestId('link-scan-start').click();
		const text = await waitForText(page.getByTestId('link-scan-problem'), /camera/, 60_000);
		expect(text).toMatch(/No camera was found|The camera was not allowed/);
		expect(text).toMatch(/scan from a picture/i);
		expect(await page.getByTestId('link-scan-file').count()).toBe(1);
	});
});
