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
	dappUrl?: string;
	/** Read-only RPC the SDK may use for calls while the phone is away. */
	rpcUrls?: Record<string, string>;
}

let sdkLoad: Promise<typeof import('@metamask/sdk')> | null = null;

/** Loads `@metamask/sdk` (once) and returns its EIP-1193 provider, ready for eth_requestAccounts. */
export async function connectMetaMaskMobile(options: MetaMaskMobileOptions = {}): Promise<DiscoveredWallet> {
	sdkLoad ??= import('@metamask/sdk');
	let mod: typeof import('@metamask/sdk');
	try {
		mod = await sdkLoad;
	} catch (cause) {
		sdkLoad = null;
		throw new NoWalletError({ cause });
	}
	const sdk = new mod.MetaMaskSDK({
		dappMetadata: { name: options.dappName ?? 'Carevault', url: options.dappUrl ?? globalThis.location?.href },
		readonlyRPCMap: options.rpcUrls,
		// A health app sends no usage analytics to third parties.
		enableAnalytics: false,
		injectProvider: false,
		checkInstallationImmediately: false
	});
	await sdk.init();
	const provider = sdk.getProvider();
	if (!provider) throw new NoWalletError();
	return {
		info: { uuid: 'metamask-sdk', name: 'MetaMask Mobile', icon: '', rdns: 'io.metamask.mobile' },
		provider: provider as unknown as Eip1193Provider
	};
}
