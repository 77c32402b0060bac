import { readContract } from 'viem/actions';
import { proposalsAbi } from '../contracts.generated';
import { read } from '../client';
import type { ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';
import type { ProposalState, ProposalStatus } from '../../vault/providerPorts';

export type ReadProposalParameters = { id: bigint };
/** The proposal's current state, or null when no proposal has this id. */
export type ReadProposalReturnType = ProposalState | null;
export type ReadProposalErrorType = ChainError;

/** On-chain `Status` enum values (0 = None: the id was never used). */
export const PROPOSAL_STATUSES: readonly (ProposalStatus | null)[] = [null, 'pending', 'accepted', 'rejected'];

/**
 * Reads a proposal's current state from the Proposals contract (who, for whom,
 * pending or decided and when). The payload is not in storage: see the list actions.
 *
 * @example
 * const state = await readProposal(client, { id: 0n })
 * // { id: 0n, provider: '0x7099...', patient: '0x3C44...', status: 'pending' }
 */
export async function readProposal(client: ProposalsChainClient, { id }: ReadProposalParameters): Promise<ReadProposalReturnType> {
	const [provider, patient, status, decidedAt] = await read(client, 'read a proposal', () =>
		readContract(client.publicClient, { address: client.addresses.proposals, abi: proposalsAbi, functionName: 'proposalOf', args: [id] })
	);
	const named = PROPOSAL_STATUSES[status];
	if (!named) return null;
	return { id, provider, patient, status: named, ...(decidedAt > 0n && { decidedAt: Number(decidedAt) }) };
}
