import { isHex, zeroHash, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { proposalsAbi } from '../contracts.generated';
import { write } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';

export type AcceptProposalParameters = {
	id: bigint;
	/** Merkle root of the vault batch that anchors the accepted record; zero hash when omitted. */
	anchorRoot?: Hex;
};
export type AcceptProposalReturnType = Hex;
export type AcceptProposalErrorType = ChainError;

/**
 * Accepts a proposal as its patient (the sending account). Only once: a
 * decided proposal reverts with ProposalsAlreadyDecided, another account's with
 * ProposalsNotPatient. Resolves with the transaction hash once mined.
 *
 * @example
 * const hash = await acceptProposal(client, { id: 3n, anchorRoot: root })
 */
export async function acceptProposal(
	client: ProposalsChainClient,
	{ id, anchorRoot = zeroHash }: AcceptProposalParameters
): Promise<AcceptProposalReturnType> {
	if (typeof id !== 'bigint' || id < 0n) throw new InvalidChainInputError(`expected a proposal id (bigint >= 0), got ${String(id)}`);
	if (!isHex(anchorRoot, { strict: true }) || anchorRoot.length !== 66)
		throw new InvalidChainInputError(`expected a 32-byte hex anchor root, got ${String(anchorRoot).slice(0, 70)}`);
	const address = client.addresses.proposals;
	return write(client, 'accept this proposal', address, (account) =>
		simulateContract(client.publicClient, { address, abi: proposalsAbi, functionName: 'accept', args: [id, anchorRoot], account })
	);
}
