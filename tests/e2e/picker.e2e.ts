/**
 * Picking a provider without typing an address: the patient searches the
 * verified providers by name (keyboard, ARIA combobox). A stranger who only
 * registered the same name never appears in the results.
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
import { config, connect, freshAccount, go, newProfile, rpcUrl, waitForText } from './harness';

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

export async function patientWithVault(args: string[] = []): Promise<Page> {
	const who = await freshAccount();
	const profile = await newProfile({ args });
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
});
