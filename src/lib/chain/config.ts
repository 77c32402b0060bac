import { defineChain, type Chain } from 'viem';
import type { Hex } from '../vault/ports';

/** Where the Carevault contracts live. A subset of AppConfig (src/lib/config.ts). */
export interface ChainConfig {
	chainId: number;
	rpcUrl: string;
	contracts: { keyRegistry: Hex; vaultRegistry: Hex; proposals?: Hex; grants?: Hex; eas?: Hex; schemaRegistry?: Hex; researchConsent?: Hex; emergencyAccess?: Hex };
}

/** Addresses of the deployed contracts. */
export type ContractAddresses = ChainConfig['contracts'];

/** A viem chain for `config`; `name` is what wallets show when asked to add it. */
export function chainFromConfig(config: ChainConfig & { chainName?: string }): Chain {
	return defineChain({
		id: config.chainId,
		name: config.chainName ?? `Carevault chain ${config.chainId}`,
		nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
		rpcUrls: { default: { http: [config.rpcUrl] } }
	});
}
