import { describe, expect, test } from 'vitest';
import { accounts, config, newProfile, serveAt, url, waitForGone, waitForText } from './harness';

describe('wallet connection (built site, test wallet, real anvil)', () => {
	test('connects, follows account and chain changes, and switches back', async () => {
		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey: accounts[1].privateKey });
		const { page } = profile;
		await page.goto(url);

		await page.getByTestId('connect-wallet').click();
		const address = page.getByTestId('account-address');
		await address.waitFor();
		expect(await address.getAttribute('title')).toBe(accounts[1].address);
		expect(await address.innerText()).toBe(`${accounts[1].address.slice(0, 6)}…${accounts[1].address.slice(-4)}`);
		expect(await page.getByTestId('wallet-name').innerText()).toBe('Carevault Test Wallet');

		// The person picks another account in the wallet.
		await wallet.setAccount(accounts[2].privateKey);
		await page.waitForFunction(
			(expected) => document.querySelector('[data-testid="account-address"]')?.getAttribute('title') === expected,
			accounts[2].address
		);

		// The person switches the wallet to a chain Carevault does not use.
		await wallet.setChain(1);
		const banner = page.getByTestId('wrong-chain');
		const text = await waitForText(banner, `Carevault uses ${config.chainName} (id ${config.chainId})`);
		expect(text).toContain('Your wallet is on chain 1');
		const switchButton = page.getByTestId('switch-chain');
		expect(await switchButton.innerText()).toBe(`Switch to ${config.chainName}`);
		await switchButton.click();
		await waitForGone(banner);
		expect(wallet.chainId).toBe(config.chainId);
		expect(wallet.requests).toContain('wallet_switchEthereumChain');
		expect(await address.getAttribute('title')).toBe(accounts[2].address);
	});

	test('a rejected connect says Cancelled calmly and a retry works', async () => {
		const profile = await newProfile();
		const wallet = await profile.wallet();
		const { page } = profile;
		await page.goto(url);

		wallet.rejectNext('eth_requestAccounts');
		await page.getByTestId('connect-wallet').click();
		const notice = page.getByTestId('wallet-notice');
		expect(await waitForText(notice, 'Cancelled')).toBe('Cancelled in your wallet.');
		expect(await notice.getAttribute('data-kind')).toBe('cancelled');
		expect(await notice.getAttribute('role')).toBe('status');

		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('account-address').waitFor();
		await waitForGone(notice);
		expect(wallet.authorized).toBe(true);
	});

	test('the built site runs from an IPFS-style sub-path', async () => {
		const mounted = await serveAt('/ipfs/bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku/');
		const profile = await newProfile();
		const wallet = await profile.wallet();
		const { page } = profile;
		const response = await page.goto(mounted.url);
		expect(response?.status()).toBe(200);
		// The connect button appears only after the JS ran and ./config.json loaded relative to the sub-path.
		await page.getByTestId('connect-wallet').waitFor();
		expect(profile.diagnostics.filter((d) => /HTTP 404|request failed/.test(d))).toEqual([]);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('account-address').waitFor();

		// A shared path gateway is one origin for every site it serves: no vault is made or opened here.
		expect(new URL(config.appUri).host).not.toBe(new URL(mounted.url).host);
		const refused = await waitForText(page.getByTestId('vault-refused'), 'shared IPFS gateway');
		expect(refused).toContain('every site the gateway serves shares this one browser origin');
		expect(refused).toContain(`Open Carevault at its own address instead: ${config.appUri}`);
		expect(await page.getByTestId('create-vault-button').count()).toBe(0);
		expect(await page.getByTestId('unlock-button').count()).toBe(0);
		expect(wallet.requests).not.toContain('personal_sign');

		// The share-link viewer holds no vault and still runs here (a real link is opened here in sharing.e2e.ts).
		await page.goto(`${mounted.url}#/link/not-a-real-link`);
		await page.getByTestId('link-refused').waitFor();
		expect(await page.getByTestId('vault-refused').count()).toBe(0);
	});

	test('on the site\'s own host the same sub-path is not refused', async () => {
		const own = await serveAt('/ipfs/bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku/');
		// The port is known only once it serves: then its config names it as the site's own address.
		own.setConfig({ ...config, appUri: own.url });
		const profile = await newProfile();
		await profile.wallet({ privateKey: accounts[6].privateKey });
		const { page } = profile;
		await page.goto(own.url);
		await page.getByTestId('connect-wallet').click();
		// Create or Unlock (another spec may have given this account a vault), never the refusal.
		await page.locator('[data-testid="create-vault"], [data-testid="unlock-vault"]').first().waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('vault-refused').count()).toBe(0);
	});
});
