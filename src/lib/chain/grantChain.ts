import type { Account, Address, Chain, Client, Hex, Transport } from 'viem';
import type { GrantChain } from '../vault/grantPorts';
import type { ChainClient } from './client';
import type { ContractAddresses } from './config';
import type { LogScanOptions } from './scanLogs';
import { approveAccessRequest } from './actions/approveAccessRequest';
import { declineAccessRequest } from './actions/declineAccessRequest';
import { grant } from './actions/grant';
import { listAccessRequests } from './actions/listAccessRequests';
import { listGrants } from './actions/listGrants';
import { readGrant } from './actions/readGrant';
import { requestAccess } from './actions/requestAccess';
import { revokeGrant } from './actions/revokeGrant';
import { updateGrantPointer } from './actions/updateGrantPointer';

/** Contract addresses the sharing workflow needs: the vault's plus the Grants contract. */
export type GrantsAddresses = ContractAddresses & { grants: Hex };

/** A ChainClient that also knows where the Grants contract lives. */
export type GrantsChainClient = ChainClient & { addresses: GrantsAddresses };

export interface CreateGrantChainParameters {
	publicClient: Client<Transport, Chain | undefined>;
	/** Omit for a read-only chain (a share-link viewer has no wallet); writes then throw InvalidChainInputError. */
	walletClient?: Client<Transport, Chain | undefined, Account | undefined>;
	account?: Account | Address;
	addresses: GrantsAddresses;
	/** Chain the contracts live on; writes refuse a wallet on another chain (WrongChainError). */
	chainId?: number;
	/** First block worth scanning for grant events (the deploy block); default 0. */
	fromBlock?: bigint;
	/** Block range per eth_getLogs (config.logBlockRange) and scan progress for the UI. */
	logScan?: LogScanOptions;
}

/**
 * The GrantChain port (grants, revocations, access requests) over viem. Writes
 * resolve once mined; every failure is a CarevaultError from ./errors (a
 * contract revert is TransactionFailedError with the custom error's name).
 * Reads need only `publicClient`.
 *
 * @example
 * const grants = createGrantChain({ publicClient, walletClient, account, addresses: config.contracts, fromBlock: BigInt(config.deployBlock) })
 * const { id } = await grants.grant({ grantee, expiresAt: 0, sealedPointer, commitment })
 * const state = await grants.readGrant(id) // { active: true, sealedPointer, ... }
 */
export function createGrantChain({ fromBlock = 0n, ...parameters }: CreateGrantChainParameters): GrantChain {
	const client: GrantsChainClient = { ...parameters };
	return {
		grant: (params) => grant(client, params),
		updatePointer: (params) => updateGrantPointer(client, params),
		revoke: (params) => revokeGrant(client, params),
		readGrant: (id) => readGrant(client, { id, fromBlock }),
		listGrantsByPatient: (patient) => listGrants(client, { as: 'patient', account: patient, fromBlock }),
		listGrantsForGrantee: (grantee) => listGrants(client, { as: 'grantee', account: grantee, fromBlock }),
		requestAccess: (params) => requestAccess(client, params),
		approveRequest: (params) => approveAccessRequest(client, params),
		declineRequest: (params) => declineAccessRequest(client, params),
		listRequestsForPatient: (patient) => listAccessRequests(client, { as: 'patient', account: patient, fromBlock }),
		listRequestsByRequester: (requester) => listAccessRequests(client, { as: 'requester', account: requester, fromBlock })
	};
}
