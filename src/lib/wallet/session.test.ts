import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPublicClient, http, parseEther, verifyMessage, type Hex } from 'viem';
import { startAnvil } from '../../../scripts/anvil.mjs';
import { nodeProvider } from '../../../tests/e2e/walletBackend';
import { ANNOUNCE_EVENT, REQUEST_EVENT, type WalletWindow } from './discover';
import { NoWalletError, WalletCancelledError, WalletNotConnectedError, WrongChainError } from './errors';
import { WalletSession, type WalletChange } from './session.svelte';

// Anvil's well-known dev accounts 0 and 1 (public test keys, never real funds).
const KEY_0: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const KEY_1: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const ADDRESS_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ADDRESS_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const config = { chainId: 31337, chainName: 'Carevault Local', rpcUrl: 'http://127.0.0.1:1' };

/** A browser window with one EIP-6963 wallet in it, driven by a real private key. */
function setup(options: { startChain?: number } = {}) {
	const { provider, backend } = nodeProvider({ rpcUrl: config.rpcUrl, privateKey: KEY_0, chainId: config.chainId });
	const target: WalletWindow = new EventTarget();
	const info = { uuid: 'u-1', name: 'Carevault Test Wallet', icon: 'data:,', rdns: 'dev.carevault.testwallet' };
	target.addEventListener(REQUEST_EVENT, () =>
		target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: Object.freeze({ info, provider }) }))
	);
	const session = new WalletSession({ config, window: target, discoverTimeoutMs: 5 });
	const changes: WalletChange[] = [];
	session.onChange((c) => changes.push(c));
	return { session, provider, backend, changes, start: options.startChain ? backend.setChain(options.startChain) : Promise.resolve() };
}

describe('WalletSession', () => {
	test('connects to the announced wallet and reports the account', async () => {
		const { session, changes } = setup();
		expect(session.status).toBe('idle');
		await session.connect();
		expect(session.status).toBe('connected');
		expect(session.address).toBe(ADDRESS_0);
		expect(session.chainId).toBe(31337);
		expect(session.walletName).toBe('Carevault Test Wallet');
		expect(session.error).toBeNull();
		expect(session.walletClient?.account.address).toBe(ADDRESS_0);
		expect(changes).toEqual([{ status: 'connected', address: ADDRESS_0, chainId: 31337, reason: 'connect' }]);
	});

	test('a rejected connect is a calm cancel: idle, WalletCancelledError, no change event', async () => {
		const { session, backend, changes } = setup();
		backend.rejectNext('eth_requestAccounts');
		await session.connect();
		expect(session.status).toBe('idle');
		expect(session.error).toBeInstanceOf(WalletCancelledError);
		expect(session.error?.shortMessage).toBe('Cancelled in your wallet.');
		expect(session.address).toBeNull();
		expect(changes).toEqual([]);
		await session.connect();
		expect(session.status).toBe('connected');
		expect(session.error).toBeNull();
	});

	test('no wallet at all is NoWalletError', async () => {
		const session = new WalletSession({ config, window: new EventTarget(), discoverTimeoutMs: 5 });
		await session.connect();
		expect(session.status).toBe('error');
		expect(session.error).toBeInstanceOf(NoWalletError);
	});

	test('detects the wrong chain and switches back', async () => {
		const { session, backend, start } = setup({ startChain: 1 });
		await start;
		await session.connect();
		expect(session.status).toBe('wrong-chain');
		expect(session.wrongChain).toBeInstanceOf(WrongChainError);
		expect(session.error?.shortMessage).toBe(
			'Your wallet is on chain 1; Carevault uses Carevault Local (id 31337). Switch network?'
		);
		expect(session.walletClient).toBeNull();
		await expect(session.signMessage('hello')).rejects.toBeInstanceOf(WrongChainError);
		await session.switchChain();
		expect(session.status).toBe('connected');
		expect(session.chainId).toBe(31337);
		expect(session.error).toBeNull();
		expect(backend.requests).toContain('wallet_switchEthereumChain');
		expect(backend.requests).not.toContain('wallet_addEthereumChain');
	});

	test('adds the chain with the config RPC when the wallet does not know it (4902)', async () => {
		const { session, backend, start } = setup({ startChain: 1 });
		await start;
		backend.forgetChain(31337);
		await session.connect();
		await session.switchChain();
		expect(session.status).toBe('connected');
		const i = backend.requests.indexOf('wallet_switchEthereumChain');
		expect(backend.requests.slice(i)).toContain('wallet_addEthereumChain');
	});

	test('a rejected switch keeps the wrong-chain state and says cancelled', async () => {
		const { session, backend, start } = setup({ startChain: 1 });
		await start;
		await session.connect();
		backend.rejectNext('wallet_switchEthereumChain');
		await session.switchChain();
		expect(session.status).toBe('wrong-chain');
		expect(session.error).toBeInstanceOf(WalletCancelledError);
	});

	test('follows accountsChanged and chainChanged from the wallet', async () => {
		const { session, backend, changes } = setup();
		await session.connect();
		await backend.setAccount(KEY_1);
		expect(session.address).toBe(ADDRESS_1);
		expect(changes.at(-1)).toEqual({ status: 'connected', address: ADDRESS_1, chainId: 31337, reason: 'accounts' });
		await backend.setChain(5);
		expect(session.status).toBe('wrong-chain');
		expect(changes.at(-1)?.reason).toBe('chain');
		await backend.setChain(31337);
		expect(session.status).toBe('connected');
		await backend.request({ method: 'wallet_revokePermissions', params: [{ eth_accounts: {} }] });
		expect(session.status).toBe('idle');
		expect(session.address).toBeNull();
		expect(changes.at(-1)).toEqual({ status: 'idle', address: null, chainId: null, reason: 'accounts' });
	});

	test('signMessage returns a personal_sign signature by the connected account', async () => {
		const { session, backend } = setup();
		await expect(session.signMessage('x')).rejects.toBeInstanceOf(WalletNotConnectedError);
		await session.connect();
		const signature = await session.signMessage('Unlock Carevault');
		expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
		expect(await verifyMessage({ address: ADDRESS_0, message: 'Unlock Carevault', signature })).toBe(true);
		expect(backend.requests).toContain('personal_sign');
		backend.rejectNext('personal_sign');
		await expect(session.signMessage('Unlock Carevault')).rejects.toBeInstanceOf(WalletCancelledError);
	});

	test('restore reconnects silently only when the wallet still shares an account', async () => {
		const { session, provider } = setup();
		expect(await session.restore()).toBe(false);
		expect(session.status).toBe('idle');
		await provider.request({ method: 'eth_requestAccounts' });
		expect(await session.restore()).toBe(true);
		expect(session.status).toBe('connected');
	});

	test('disconnect stops following the wallet', async () => {
		const { session, provider, backend, changes } = setup();
		await session.connect();
		expect(provider.listenerCount('accountsChanged')).toBe(1);
		await session.disconnect();
		expect(session.status).toBe('idle');
		expect(provider.listenerCount('accountsChanged')).toBe(0);
		expect(changes.at(-1)?.reason).toBe('disconnect');
		expect(backend.authorized).toBe(false);
	});
});

describe('WalletSession with a real chain', () => {
	let anvil: Awaited<ReturnType<typeof startAnvil>>;
	beforeAll(async () => {
		anvil = await startAnvil();
	});
	afterAll(() => anvil?.stop());

	test('walletClient sends a transaction the wallet signs locally', async () => {
		const { provider, backend } = nodeProvider({ rpcUrl: anvil.rpcUrl, privateKey: KEY_0, chainId: 31337 });
		const session = new WalletSession({
			config: { ...config, rpcUrl: anvil.rpcUrl },
			window: Object.assign(new EventTarget(), { ethereum: provider }),
			discoverTimeoutMs: 5
		});
		await session.connect();
		const hash = await session.walletClient!.sendTransaction({ to: ADDRESS_1, value: parseEther('0.5') });
		const receipt = await createPublicClient({ transport: http(anvil.rpcUrl) }).waitForTransactionReceipt({ hash });
		expect(receipt.status).toBe('success');
		expect(receipt.from.toLowerCase()).toBe(ADDRESS_0.toLowerCase());
		expect(backend.requests).toContain('eth_sendTransaction');
		expect(backend.requests).not.toContain('eth_signTransaction');
		backend.rejectNext('eth_sendTransaction');
		const err = await session.walletClient!.sendTransaction({ to: ADDRESS_1, value: 1n }).catch((e: unknown) => e);
		expect((err as { walk(): unknown }).walk()).toMatchObject({ code: 4001 });
	});
});
