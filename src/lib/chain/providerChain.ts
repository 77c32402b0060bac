import type { Account, Address, Chain, Client, Transport } from 'viem';
import type { ProviderChain } from '../vault/providerPorts';
import type { ProposalsAddresses, ProposalsChainClient } from './client';
import type { LogScanOptions } from './scanLogs';
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

export interface CreateProviderChainParameters {
	publicClient: Client<Transport, Chain | undefined>;
	/** Omit for a read-only chain (writes then throw InvalidChainInputError). */
	walletClient?: Client<Transport, Chain | undefined, Account | undefined>;
	account?: Account | Address;
	addresses: ProposalsAddresses;
	/** Chain the contracts live on; writes refuse a wallet on another chain (WrongChainError). */
	chainId?: number;
	/** First block worth scanning for proposal events (the deploy block); default 0. */
	fromBlock?: bigint;
	/** Block range per eth_getLogs (config.logBlockRange) and scan progress for the UI. */
	logScan?: LogScanOptions;
}

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
