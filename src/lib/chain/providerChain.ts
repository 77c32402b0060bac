import type { Account, Address, Chain, Client, Hex, Transport } from 'viem';
import type { ProviderChain } from '../vault/providerPorts';
import type { ChainClient } from './client';
import type { ContractAddresses } from './config';
import type { LogScanOptions } from './scanLogs';
import { acceptProposal } from './actions/acceptProposal';
import { listProposalsByProvider } from './actions/listProposalsByProvider';
import { listProposalsForPatient } from './actions/listProposalsForPatient';
import { propose } from './actions/propose';
import { readProposal } from './actions/readProposal';
import { readProvider } from './actions/readProvider';
import { registerProvider } from './actions/registerProvider';
import { rejectProposal } from './actions/rejectProposal';

/** Contract addresses the provider workflow needs: the vault's plus the Proposals contract. */
export type ProposalsAddresses = ContractAddresses & { proposals: Hex };

/** A ChainClient that also knows where the Proposals contract lives. */
export type ProposalsChainClient = ChainClient & { addresses: ProposalsAddresses };

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
 * resolve once mined; every failure is a CarevaultError from ./errors (a
 * contract revert is TransactionFailedError with the custom error's name).
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
		propose: (params) => propose(client, params),
		accept: (params) => acceptProposal(client, params),
		reject: (params) => rejectProposal(client, params),
		readProposal: (id) => readProposal(client, { id }),
		listForPatient: (patient, options) => listProposalsForPatient(client, { patient, fromBlock: options?.fromBlock ?? defaultFromBlock }),
		listByProvider: (provider, options) => listProposalsByProvider(client, { provider, fromBlock: options?.fromBlock ?? defaultFromBlock })
	};
}
