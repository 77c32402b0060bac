/**
 * Wallet requests over any EIP-1193 provider, through viem's `custom` transport
 * so the rest of the app gets a normal viem WalletClient. Every failure comes
 * out as one of ./errors (a 4001 as WalletCancelledError).
 */
import { createWalletClient, custom, defineChain, getAddress, type Account, type Chain, type CustomTransport, type Hex, type WalletClient } from 'viem';
import type { AppConfig } from '../config';
import type { Eip1193Provider } from './discover';
import { hasRpcCode, toWalletError, UNRECOGNIZED_CHAIN } from './errors';

export type ChainConfig = Pick<AppConfig, 'chainId' | 'chainName' | 'rpcUrl'>;

export type SessionWalletClient = WalletClient<CustomTransport, Chain, Account>;

/** The viem chain described by the site's config. */
export function chainOf(config: ChainConfig): Chain {
	return defineChain({
		id: config.chainId,
		name: config.chainName,
		nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
		rpcUrls: { default: { http: [config.rpcUrl] } }
	});
}

// A prompt the person answered must not be asked again behind their back.
const transportOf = (provider: Eip1193Provider) => custom(provider, { retryCount: 0 });

function bareClient(provider: Eip1193Provider) {
	return createWalletClient({ transport: transportOf(provider) });
}

/** Asks the wallet for accounts (opens its connect prompt). */
export async function requestAccounts(provider: Eip1193Provider): Promise<Hex[]> {
	try {
		return (await bareClient(provider).requestAddresses()).map((a) => getAddress(a));
	} catch (err) {
		throw toWalletError('eth_requestAccounts', err);
	}
}

/** Accounts the wallet already shares with this site, without a prompt. */
export async function readAccounts(provider: Eip1193Provider): Promise<Hex[]> {
	try {
		return (await bareClient(provider).getAddresses()).map((a) => getAddress(a));
	} catch (err) {
		throw toWalletError('eth_accounts', err);
	}
}

export async function readChainId(provider: Eip1193Provider): Promise<number> {
	try {
		return await bareClient(provider).getChainId();
	} catch (err) {
		throw toWalletError('eth_chainId', err);
	}
}

export { checkChain } from './errors';

/** The EIP-55 checksummed form of an address the wallet reported. */
export const checksumAddress = (address: string): Hex => getAddress(address);

/**
 * Asks the wallet to switch to the configured chain; when the wallet does not
 * know it (4902), asks it to add the chain with the config's RPC URL and name.
 * Resolves with the chain id the wallet reports afterwards.
 */
export async function switchToChain(provider: Eip1193Provider, config: ChainConfig): Promise<number> {
	const client = bareClient(provider);
	try {
		await client.switchChain({ id: config.chainId });
	} catch (err) {
		if (!hasRpcCode(err, UNRECOGNIZED_CHAIN)) throw toWalletError('wallet_switchEthereumChain', err);
		try {
			await client.addChain({ chain: chainOf(config) });
		} catch (addErr) {
			throw toWalletError('wallet_addEthereumChain', addErr);
		}
		// Some wallets add without switching.
		if ((await readChainId(provider)) !== config.chainId) {
			try {
				await client.switchChain({ id: config.chainId });
			} catch (again) {
				throw toWalletError('wallet_switchEthereumChain', again);
			}
		}
	}
	return readChainId(provider);
}

/** A WalletClient bound to one account on the configured chain, for the chain adapter. */
export function walletClientFor(provider: Eip1193Provider, config: ChainConfig, address: Hex): SessionWalletClient {
	return createWalletClient({ account: address, chain: chainOf(config), transport: transportOf(provider) });
}
