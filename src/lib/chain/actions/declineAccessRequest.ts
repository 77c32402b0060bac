import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { checkId } from './grantInput';

export type DeclineAccessRequestParameters = { id: bigint };
export type DeclineAccessRequestReturnType = Hex;
export type DeclineAccessRequestErrorType = ChainError;

/**
 * Declines an access request as its patient (the sending account), once.
 *
 * @example
 * await declineAccessRequest(client, { id: request.id })
 */
export async function declineAccessRequest(client: GrantsChainClient, { id }: DeclineAccessRequestParameters): Promise<DeclineAccessRequestReturnType> {
	checkId('an access request', id);
	const address = client.addresses.grants;
	return write(client, 'decline this access request', address, (account) =>
		simulateContract(client.publicClient, { address, abi: grantsAbi, functionName: 'declineRequest', args: [id], account })
	);
}
