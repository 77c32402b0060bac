/**
 * EIP-6963 wallet discovery. Several extensions may be installed; each answers
 * `eip6963:requestProvider` with its own `eip6963:announceProvider` event, so
 * nobody has to fight over `window.ethereum`.
 */

/** The slice of EIP-1193 Carevault uses. */
export interface Eip1193Provider {
	request(args: { method: string; params?: unknown }): Promise<unknown>;
	// Listeners take event-specific arguments (string[] for accountsChanged, a hex string for chainChanged).
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	on?(event: string, listener: (...args: any[]) => void): unknown;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	removeListener?(event: string, listener: (...args: any[]) => void): unknown;
	isMetaMask?: boolean;
}

/** EIP-6963 provider info. */
export interface WalletInfo {
	uuid: string;
	name: string;
	/** A data: URI image. */
	icon: string;
	/** Reverse DNS id, e.g. io.metamask. */
	rdns: string;
}

export interface DiscoveredWallet {
	info: WalletInfo;
	provider: Eip1193Provider;
}

/** The part of `window` discovery touches; an EventTarget stands in for it in node tests. */
export type WalletWindow = Pick<EventTarget, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'> & {
	ethereum?: Eip1193Provider;
};

export const ANNOUNCE_EVENT = 'eip6963:announceProvider';
export const REQUEST_EVENT = 'eip6963:requestProvider';

export interface DiscoverOptions {
	/** How long to collect announcements; wallets answer within a tick, slow ones within ~100 ms. */
	timeoutMs?: number;
	signal?: AbortSignal;
}

/**
 * Collects the wallets that announce themselves within `timeoutMs` (300 ms by
 * default), in announcement order, one per uuid. A legacy `window.ethereum`
 * that did not announce itself is appended last.
 */
export async function discoverWallets(target: WalletWindow, options: DiscoverOptions = {}): Promise<DiscoveredWallet[]> {
	const { timeoutMs = 300, signal } = options;
	const found = new Map<string, DiscoveredWallet>();
	const onAnnounce = (event: Event) => {
		const detail = (event as CustomEvent<unknown>).detail;
		if (isAnnouncement(detail) && !found.has(detail.info.uuid)) found.set(detail.info.uuid, detail);
	};
	target.addEventListener(ANNOUNCE_EVENT, onAnnounce);
	try {
		target.dispatchEvent(new Event(REQUEST_EVENT));
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, timeoutMs);
			signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
		});
	} finally {
		target.removeEventListener(ANNOUNCE_EVENT, onAnnounce);
	}
	const wallets = [...found.values()];
	const legacy = target.ethereum;
	if (legacy && typeof legacy.request === 'function' && !wallets.some((w) => w.provider === legacy)) {
		wallets.push({ info: legacyInfo(legacy), provider: legacy });
	}
	return wallets;
}

function legacyInfo(provider: Eip1193Provider): WalletInfo {
	return {
		uuid: 'legacy-window-ethereum',
		name: provider.isMetaMask ? 'MetaMask' : 'Browser wallet',
		icon: '',
		rdns: provider.isMetaMask ? 'io.metamask' : ''
	};
}

function isAnnouncement(detail: unknown): detail is DiscoveredWallet {
	if (!detail || typeof detail !== 'object') return false;
	const { info, provider } = detail as Partial<DiscoveredWallet>;
	return (
		!!info &&
		typeof info.uuid === 'string' &&
		typeof info.name === 'string' &&
		!!provider &&
		typeof provider.request === 'function'
	);
}
