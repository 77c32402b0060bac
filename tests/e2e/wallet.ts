/**
 * The injected test wallet: an EIP-1193 provider in every page of a browser
 * context that behaves like MetaMask (EIP-6963 announcement, `window.ethereum`
 * with isMetaMask, request/on/removeListener), backed by TestWalletBackend in
 * node, which signs with a real private key and talks to anvil.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Hex } from 'viem';
import { TestWalletBackend, type TestWalletOptions, type WalletEvent } from './walletBackend';

export interface TestWallet {
	/** The current account's address (checksummed). */
	readonly address: Hex;
	/** The chain the wallet is on now. */
	readonly chainId: number;
	/** Whether the site has been allowed to see the account (eth_requestAccounts answered). */
	readonly authorized: boolean;
	/** Every method the pages asked of the wallet, in order. */
	readonly requests: string[];
	/** The next request of `method` fails with `{ code: 4001, message: 'User rejected the request.' }`. */
	rejectNext(method: string): void;
	/**
	 * The next transaction is prepared (gas estimated now) and then waits, as if
	 * not yet confirmed, until `release()`; `reached` resolves once it waits.
	 */
	holdNextSend(): { reached: Promise<void>; release(): void };
	/** The person picks another account; pages get `accountsChanged`. Resolves with the new address. */
	setAccount(privateKey: Hex): Promise<Hex>;
	/** The person switches network (any id); pages get `chainChanged`. */
	setChain(chainId: number): Promise<void>;
	/** Removes a network, so a later switch to it answers 4902. */
	forgetChain(chainId: number): void;
}

const REQUEST_BINDING = '__carevaultWalletRequest';
const ICON =
	'data:image/svg+xml;base64,' +
	Buffer.from(
		'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b6e4f"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff">T</text></svg>'
	).toString('base64');

/** Runs in the page, before any of the app's scripts. Must be self-contained. */
function pageScript(arg: { info: { uuid: string; name: string; icon: string; rdns: string }; binding: string }) {
	type Listener = (...args: unknown[]) => void;
	const w = window as unknown as Record<string, unknown>;
	if (w.__carevaultTestWallet) return;
	const listeners = new Map<string, Set<Listener>>();
	const call = w[arg.binding] as (payload: unknown) => Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
	const provider = {
		isMetaMask: true,
		async request(args: { method: string; params?: unknown }) {
			if (!args || typeof args.method !== 'string') throw Object.assign(new Error('Invalid request'), { code: -32600 });
			const reply = await call({ method: args.method, params: args.params ?? [] });
			if (reply.error) {
				const err = new Error(reply.error.message) as Error & { code: number; data?: unknown };
				err.code = reply.error.code;
				if (reply.error.data !== undefined) err.data = reply.error.data;
				throw err;
			}
			return reply.result;
		},
		on(event: string, fn: Listener) {
			if (!listeners.has(event)) listeners.set(event, new Set());
			listeners.get(event)!.add(fn);
			return provider;
		},
		removeListener(event: string, fn: Listener) {
			listeners.get(event)?.delete(fn);
			return provider;
		}
	};
	Object.defineProperty(window, '__carevaultTestWallet', {
		value: {
			emit(event: string, data: unknown) {
				for (const fn of [...(listeners.get(event) ?? [])]) {
					try {
						fn(data);
					} catch (err) {
						// Like a real wallet: one dapp listener throwing must not stop the others.
						setTimeout(() => { throw err; });
					}
				}
			}
		}
	});
	(window as unknown as { ethereum: unknown }).ethereum = provider;
	const announce = () =>
		window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info: arg.info, provider }) }));
	window.addEventListener('eip6963:requestProvider', announce);
	announce();
}

/**
 * Installs the wallet in every page of the context (pages load it on their
 * next navigation). Call once per context, before `page.goto`.
 */
export async function installTestWallet(target: Page | BrowserContext, options: TestWalletOptions): Promise<TestWallet> {
	const context = 'context' in target && typeof target.context === 'function' ? target.context() : (target as BrowserContext);
	const emit = async (event: WalletEvent, data: unknown) => {
		await Promise.all(
			context.pages().map((page) =>
				page
					.evaluate(([e, d]) => (window as unknown as { __carevaultTestWallet?: { emit(e: string, d: unknown): void } }).__carevaultTestWallet?.emit(e as string, d), [event, data] as const)
					// A page in the middle of navigating gets the new state from its next request instead.
					.catch(() => undefined)
			)
		);
	};
	const backend = new TestWalletBackend(options, emit);
	await context.exposeBinding(REQUEST_BINDING, async (_source, payload: { method: string; params?: unknown }) => {
		try {
			return { result: await backend.request(payload) };
		} catch (err) {
			const e = err as { code?: unknown; message?: unknown; data?: unknown };
			return {
				error: {
					code: typeof e.code === 'number' ? e.code : -32603,
					message: typeof e.message === 'string' ? e.message : String(err),
					...(e.data !== undefined ? { data: e.data } : {})
				}
			};
		}
	});
	const info = { uuid: crypto.randomUUID(), name: 'Carevault Test Wallet', icon: ICON, rdns: 'dev.carevault.testwallet' };
	await context.addInitScript(pageScript, { info, binding: REQUEST_BINDING });
	return {
		get address() { return backend.address; },
		get chainId() { return backend.chainId; },
		get authorized() { return backend.authorized; },
		requests: backend.requests,
		rejectNext: (method) => backend.rejectNext(method),
		holdNextSend: () => backend.holdNextSend(),
		setAccount: (privateKey) => backend.setAccount(privateKey),
		setChain: (chainId) => backend.setChain(chainId),
		forgetChain: (chainId) => backend.forgetChain(chainId)
	};
}
