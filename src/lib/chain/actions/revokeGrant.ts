import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { checkId } from './grantInput';

export type RevokeGrantParameters = { id: bigint };
export type RevokeGrantReturnType = Hex;
export type RevokeGrantErrorType = ChainError;

/**
 * Revokes a grant as its patient (the sending account), for good. Reverts with
 * GrantsNotPatient for another account and GrantsRevoked the second time.
 *
 * @example
 * const hash = await revokeGrant(client, { id: 4n })
 */
export async function revokeGrant(client: GrantsChainClient, { id }: RevokeGrantParameters): Promise<RevokeGrantReturnType> {
	checkId('a grant', id);
	const address = client.addresses.grants;
	return write(client, 'revoke this grant', address, (account) =>
		simulateContract(client.publicClient, { address, abi: grantsAbi, functionName: 'revoke', args: [id], account })
	);
}
