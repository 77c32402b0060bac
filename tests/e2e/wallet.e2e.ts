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
		await profile.wallet();
		const { page } = profile;
		const response = await page.goto(mounted.url);
		expect(response?.status()).toBe(200);
		// The connect button appears only after the JS ran and ./config.json loaded relative to the sub-path.
		await page.getByTestId('connect-wallet').waitFor();
		expect(profile.diagnostics.filter((d) => /HTTP 404|request failed/.test(d))).toEqual([]);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('account-address').waitFor();
	});
});
