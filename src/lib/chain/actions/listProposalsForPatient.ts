import type { Address } from 'viem';
import type { ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';
import type { ProposalEntry } from '../../vault/providerPorts';
import { listProposals } from './listProposals';

export type ListProposalsForPatientParameters = {
	patient: Address;
	/** First block to scan (the contracts' deploy block is enough). */
	fromBlock: bigint;
};
export type ListProposalsForPatientReturnType = ProposalEntry[];
export type ListProposalsForPatientErrorType = ChainError;

/**
 * A patient's inbox: every proposal addressed to `patient`, oldest first, with
 * its sealed payload and, once decided, the decision (status, time, transaction).
 *
 * @example
 * const inbox = await listProposalsForPatient(client, { patient: '0x3C44...', fromBlock: 0n })
 * // [{ id: 0n, provider: '0x7099...', status: 'pending', sealedPayload: Uint8Array(...), ... }]
 */
export function listProposalsForPatient(
	client: ProposalsChainClient,
	{ patient, fromBlock }: ListProposalsForPatientParameters
): Promise<ListProposalsForPatientReturnType> {
	return listProposals(client, { as: 'patient', account: patient, fromBlock });
}
