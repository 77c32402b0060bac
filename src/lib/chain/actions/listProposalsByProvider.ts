import type { Address } from 'viem';
import type { ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';
import type { ProposalEntry } from '../../vault/providerPorts';
import { listProposals } from './listProposals';

export type ListProposalsByProviderParameters = {
	provider: Address;
	/** First block to scan (the contracts' deploy block is enough). */
	fromBlock: bigint;
};
export type ListProposalsByProviderReturnType = ProposalEntry[];
export type ListProposalsByProviderErrorType = ChainError;

/**
 * A provider's outbox: every proposal `provider` made, oldest first, with each
 * patient's decision once made (status, time, transaction).
 *
 * @example
 * const sent = await listProposalsByProvider(client, { provider: '0x7099...', fromBlock: 0n })
 * // [{ id: 0n, patient: '0x3C44...', status: 'accepted', decidedAt: 1760000000, ... }]
 */
export function listProposalsByProvider(
	client: ProposalsChainClient,
	{ provider, fromBlock }: ListProposalsByProviderParameters
): Promise<ListProposalsByProviderReturnType> {
	return listProposals(client, { as: 'provider', account: provider, fromBlock });
}
