import type { ProviderChain } from '../vault/providerPorts';
import type { ProposalsChainClient } from './client';
import { NotARegisteredProviderError, PatientNotRegisteredError } from '../vault/proposals/errors';
import { translateReverts } from './errors';
import { acceptProposal } from './actions/acceptProposal';
import { listProposalsByProvider } from './actions/listProposalsByProvider';
import { listProposalsForPatient } from './actions/listProposalsForPatient';
import { propose } from './actions/propose';
import { readProposal } from './actions/readProposal';
import { readProvider } from './actions/readProvider';
import { registerProvider } from './actions/registerProvider';
import { rejectProposal } from './actions/rejectProposal';

export type { ProposalsAddresses, ProposalsChainClient } from './client';

/** A ProposalsChainClient, and the first block worth scanning for proposal events (the deploy block; default 0). */
export type CreateProviderChainParameters = ProposalsChainClient & { fromBlock?: bigint };

/**
 * The ProviderChain port (provider profiles and proposals) over viem. Writes
 * resolve once mined; every failure is a CarevaultError: a revert the use cases
 * act on becomes their own error (lib/vault/proposals/errors), any other
 * revert is TransactionFailedError from ./errors.
 *
 * @example
 * const chain = createProviderChain({ publicClient, walletClient, account, addresses: config.contracts, fromBlock: BigInt(config.deployBlock) })
 * await chain.registerProvider({ name: 'Dr. Ada Moreau', role: 'physician' })
 * const { id } = await chain.propose({ patient, sealedPayload })
 */
export function createProviderChain({ fromBlock: defaultFromBlock = 0n, ...parameters }: CreateProviderChainParameters): ProviderChain {
	const client: ProposalsChainClient = { ...parameters };
	return {
		registerProvider: (profile) => registerProvider(client, profile),
		readProvider: (provider) => readProvider(client, { provider }),
		propose: (params) =>
			translateReverts(propose(client, params), {
				ProposalsNotProvider: (err) => new NotARegisteredProviderError({ cause: err }),
				ProposalsPatientNotRegistered: (err) => new PatientNotRegisteredError(params.patient, { cause: err })
			}),
		accept: (params) => acceptProposal(client, params),
		reject: (params) => rejectProposal(client, params),
		readProposal: (id) => readProposal(client, { id }),
		listForPatient: (patient, options) => listProposalsForPatient(client, { patient, fromBlock: options?.fromBlock ?? defaultFromBlock }),
		listByProvider: (provider, options) => listProposalsByProvider(client, { provider, fromBlock: options?.fromBlock ?? defaultFromBlock })
	};
}
