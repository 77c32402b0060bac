import type { Account, Address, Chain, Client, Transport } from 'viem';
import type { AttestationReader } from '../vault/providers/ports';
import type { ChainClient } from './client';
import type { ContractAddresses } from './config';
import { listProviderAttestations } from './actions/listProviderAttestations';
import { readChainTime } from './actions/readChainTime';

export interface CreateAttestationReaderParameters {
	publicClient: Client<Transport, Chain | undefined>;
	walletClient?: Client<Transport, Chain | undefined, Account | undefined>;
	account?: Account | Address;
	addresses: ContractAddresses;
	chainId?: number;
	/** First block worth scanning (the deploy block); default 0. */
	fromBlock?: bigint;
	/** Largest block range per log query. */
	logBlockRange?: number;
}

/**
 * The AttestationReader port over viem and EAS (read-only).
 *
 * @example
 * const reader = createAttestationReader({ publicClient, addresses: config.contracts, fromBlock: BigInt(config.deployBlock) })
 * const found = await reader.providerAttestations({ provider, attesters: config.trustedAttesters, schema: config.providerSchemaUid })
 */
export function createAttestationReader({ fromBlock = 0n, logBlockRange, ...parameters }: CreateAttestationReaderParameters): AttestationReader {
	const client: ChainClient = { ...parameters };
	return {
		providerAttestations: ({ provider, attesters, schema }) =>
			listProviderAttestations(client, { provider, attesters, schema, fromBlock, ...(logBlockRange ? { blockRange: logBlockRange } : {}) }),
		attestationsBy: ({ attesters, schema }) =>
			listProviderAttestations(client, { attesters, schema, fromBlock, ...(logBlockRange ? { blockRange: logBlockRange } : {}) }),
		chainTime: () => readChainTime(client)
	};
}
