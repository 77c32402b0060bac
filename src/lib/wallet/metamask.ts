/**
 * MetaMask Mobile for browsers without a wallet extension. The SDK is large and
 * takes over `window.ethereum` when it loads, so it is imported only here, only
 * on demand, and never when an injected wallet exists.
 */
import type { DiscoveredWallet, Eip1193Provider } from './discover';
import { NoWalletError } from './errors';

export interface MetaMaskMobileOptions {
	/** Shown in MetaMask Mobile's connection prompt. */
	dappName?: string;
	/** The site's address; only its origin and path are used. Default: the page's. */
	dappUrl?: string;
	/** Read-only RPC the SDK may use for calls while the phone is away. */
	rpcUrls?: Record<string, string>;
}

let sdkLoad: Promise<typeof import('@metamask/sdk')> | null = null;

/**
 * `href` cut to origin and path: no query, no fragment. A share link carries
 * its secret in the fragment, and the SDK hands its dapp URL to MetaMask's
 * relay and to the phone; null for anything but http(s).
 */
export function originAndPath(href: string | undefined): string | null {
	if (!href) return null;
	let url: URL;
	try {
		url = new URL(href);
	} catch {
		return null;
	}
	return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : null;
}

/**
 * The options the SDK is constructed with. The dapp URL is always given
 * explicitly (origin and path only): left empty, the SDK falls back to
 * `document.URL`, fragment included.
 */
export function metaMaskSdkOptions(options: MetaMaskMobileOptions, pageHref: string | undefined) {
	const url = originAndPath(options.dappUrl ?? pageHref);
	if (!url) throw new NoWalletError();
	return {
		dappMetadata: { name: options.dappName ?? 'Carevault', url },
		readonlyRPCMap: options.rpcUrls,
		// A health app sends no usage analytics to third parties.
		enableAnalytics: false,
		injectProvider: false,
		checkInstallationImmediately: false
	};
}

/** Loads `@metamask/sdk` (once) and returns its EIP-1193 provider, ready for eth_requestAccounts. */
export async function connectMetaMaskMobile(options: MetaMaskMobileOptions = {}): Promise<DiscoveredWallet> {
	const sdkOptions = metaMaskSdkOptions(options, globalThis.location?.href);
	sdkLoad ??= import('@metamask/sdk');
	let mod: typeof import('@metamask/sdk');
	try {
		mod = await sdkLoad;
	} catch (cause) {
		sdkLoad = null;
		throw new NoWalletError({ cause });
	}
	const sdk = new mod.MetaMaskSDK(sdkOptions);
	await sdk.init();
	const provider = sdk.getProvider();
	if (!provider) throw new NoWalletError();
	return {
		info: { uuid: 'metamask-sdk', name: 'MetaMask Mobile', icon: '', rdns: 'io.metamask.mobile' },
		provider: provider as unknown as Eip1193Provider
	};
}
