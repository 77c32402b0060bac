import type { GrantChain } from '../vault/grantPorts';
import type { GrantsChainClient } from './client';
import { GrantExpiredError, GrantRevokedError, ShareInputError } from '../vault/sharing/errors';
import { NotARegisteredProviderError, PatientNotRegisteredError } from '../vault/proposals/errors';
import { translateReverts } from './errors';
import { approveAccessRequest } from './actions/approveAccessRequest';
import { declineAccessRequest } from './actions/declineAccessRequest';
import { grant } from './actions/grant';
import { listAccessRequests } from './actions/listAccessRequests';
import { listGrants } from './actions/listGrants';
import { readGrant } from './actions/readGrant';
import { requestAccess } from './actions/requestAccess';
import { revokeGrant } from './actions/revokeGrant';
import { reportAccess } from './actions/reportAccess';
import { updateGrantPointer } from './actions/updateGrantPointer';

export type { GrantsAddresses, GrantsChainClient } from './client';

/** A GrantsChainClient, and the first block worth scanning for grant events (the deploy block; default 0). */
export type CreateGrantChainParameters = GrantsChainClient & { fromBlock?: bigint };

/**
 * The GrantChain port (grants, revocations, access requests) over viem. Writes
 * resolve once mined; every failure is a CarevaultError: a revert the use cases
 * act on becomes their own error (lib/vault/sharing/errors, proposals/errors),
 * any other revert is TransactionFailedError from ./errors.
 * Reads need only `publicClient`.
 *
 * @example
 * const grants = createGrantChain({ publicClient, walletClient, account, addresses: config.contracts, fromBlock: BigInt(config.deployBlock) })
 * const { id } = await grants.grant({ grantee, expiresAt: 0, sealedPointer, commitment })
 * const state = await grants.readGrant(id) // { active: true, sealedPointer, ... }
 */
export function createGrantChain({ fromBlock = 0n, ...parameters }: CreateGrantChainParameters): GrantChain {
	const client: GrantsChainClient = { ...parameters };
	const expiryInPast = {
		GrantsExpiryInPast: (err: unknown) => new ShareInputError('The expiry is already past on the blockchain clock. Pick a later date.', { cause: err }),
		GrantsExpiryTooLate: (err: unknown) => new ShareInputError('That expiry is too far in the future. Pick an earlier date, or no expiry.', { cause: err })
	};
	const grantOver = (id: bigint) => ({
		GrantsRevoked: (err: unknown) => new GrantRevokedError(id, { cause: err }),
		GrantsExpired: async (err: unknown) => {
			const state = await readGrant(client, { id, fromBlock }).catch(() => null);
			return new GrantExpiredError(id, state?.expiresAt ?? 0, { cause: err });
		}
	});
	return {
		grant: (params) => translateReverts(grant(client, params), expiryInPast),
		updatePointer: (params) => translateReverts(updateGrantPointer(client, params), grantOver(params.id)),
		revoke: (params) => revokeGrant(client, params),
		reportAccess: (params) => translateReverts(reportAccess(client, params), grantOver(params.id)),
		readGrant: (id) => readGrant(client, { id, fromBlock }),
		listGrantsByPatient: (patient) => listGrants(client, { as: 'patient', account: patient, fromBlock }),
		listGrantsForGrantee: (grantee) => listGrants(client, { as: 'grantee', account: grantee, fromBlock }),
		requestAccess: (params) =>
			translateReverts(requestAccess(client, params), {
				GrantsNotProvider: (err) => new NotARegisteredProviderError({ cause: err }),
				GrantsPatientNotRegistered: (err) => new PatientNotRegisteredError(params.patient, { cause: err })
			}),
		approveRequest: (params) => translateReverts(approveAccessRequest(client, params), expiryInPast),
		declineRequest: (params) => declineAccessRequest(client, params),
		listRequestsForPatient: (patient) => listAccessRequests(client, { as: 'patient', account: patient, fromBlock }),
		listRequestsByRequester: (requester) => listAccessRequests(client, { as: 'requester', account: requester, fromBlock })
	};
}
