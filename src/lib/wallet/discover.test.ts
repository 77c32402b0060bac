import { describe, expect, test } from 'vitest';
import { ANNOUNCE_EVENT, discoverWallets, REQUEST_EVENT, type DiscoveredWallet, type WalletWindow } from './discover';

const provider = (name: string) => ({ name, request: async () => null });

/** A wallet extension's content script: answers every request with its announcement. */
function installAnnouncer(target: EventTarget, wallet: DiscoveredWallet) {
	const announce = () => target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: Object.freeze(wallet) }));
	target.addEventListener(REQUEST_EVENT, announce);
	announce();
}

const info = (uuid: string, name: string, rdns: string) => ({ uuid, name, rdns, icon: 'data:image/svg+xml,<svg/>' });

describe('discoverWallets', () => {
	test('collects every announcing wallet once, in announcement order', async () => {
		const target: WalletWindow = new EventTarget();
		const a = { info: info('a', 'Wallet A', 'com.a'), provider: provider('a') };
		const b = { info: info('b', 'Wallet B', 'com.b'), provider: provider('b') };
		installAnnouncer(target, a);
		installAnnouncer(target, b);
		const found = await discoverWallets(target, { timeoutMs: 20 });
		expect(found.map((w) => w.info.name)).toEqual(['Wallet A', 'Wallet B']);
		expect(found[0].provider).toBe(a.provider);
	});

	test('includes a wallet that answers late but within the window', async () => {
		const target: WalletWindow = new EventTarget();
		const late = { info: info('late', 'Late', 'com.late'), provider: provider('late') };
		target.addEventListener(REQUEST_EVENT, () => {
			setTimeout(() => target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: late })), 5);
		});
		const found = await discoverWallets(target, { timeoutMs: 100 });
		expect(found.map((w) => w.info.uuid)).toEqual(['late']);
	});

	test('ignores malformed announcements', async () => {
		const target: WalletWindow = new EventTarget();
		target.addEventListener(REQUEST_EVENT, () => {
			target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: { info: { uuid: 'x' }, provider: {} } }));
			target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: null }));
		});
		expect(await discoverWallets(target, { timeoutMs: 10 })).toEqual([]);
	});

	test('falls back to window.ethereum when nothing announces', async () => {
		const legacy = { isMetaMask: true, request: async () => null };
		const target: WalletWindow = Object.assign(new EventTarget(), { ethereum: legacy });
		const found = await discoverWallets(target, { timeoutMs: 10 });
		expect(found).toHaveLength(1);
		expect(found[0].provider).toBe(legacy);
		expect(found[0].info.name).toBe('MetaMask');
	});

	test('does not list window.ethereum twice when it also announced itself', async () => {
		const shared = provider('shared');
		const target: WalletWindow = Object.assign(new EventTarget(), { ethereum: shared });
		installAnnouncer(target, { info: info('s', 'Shared', 'com.s'), provider: shared });
		const found = await discoverWallets(target, { timeoutMs: 10 });
		expect(found.map((w) => w.info.name)).toEqual(['Shared']);
	});

});
