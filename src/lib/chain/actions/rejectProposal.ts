import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { proposalsAbi } from '../contracts.generated';
import { write } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';

export type RejectProposalParameters = { id: bigint };
export type RejectProposalReturnType = Hex;
export type RejectProposalErrorType = ChainError;

/**
 * Rejects a proposal as its patient (the sending account). Only once: a decided
 * proposal reverts with ProposalsAlreadyDecided, another account's with
 * ProposalsNotPatient. Resolves with the transaction hash once mined.
 *
 * @example
 * const hash = await rejectProposal(client, { id: 3n })
 */
export async function rejectProposal(client: ProposalsChainClient, { id }: RejectProposalParameters): Promise<RejectProposalReturnType> {
	if (typeof id !== 'bigint' || id < 0n) throw new InvalidChainInputError(`expected a proposal id (bigint >= 0), got ${String(id)}`);
	const address = client.addresses.proposals;
	return write(client, 'reject this proposal', address, (account) =>
		simulateContract(client.publicClient, { address, abi: proposalsAbi, functionName: 'reject', args: [id], account })
	);
}
