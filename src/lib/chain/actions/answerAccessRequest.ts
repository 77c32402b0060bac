import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';
import type { GrantsChainClient } from '../grantChain';
import { checkId } from './grantInput';

export type AnswerAccessRequestParameters = {
	id: bigint;
	approved: boolean;
	/** Required when approving: the active grant the patient just made to the requester. */
	grantId?: bigint;
};
export type AnswerAccessRequestReturnType = Hex;
export type AnswerAccessRequestErrorType = ChainError;

/**
 * Answers an access request as its patient (the sending account), once.
 * Approving names the grant that answers it; the contract checks it is the
 * patient's active grant to the requester (GrantsRequestGrantMismatch otherwise).
 *
 * @example
 * const { id: grantId } = await grant(client, { grantee: request.requester, ... })
 * await answerAccessRequest(client, { id: request.id, approved: true, grantId })
 */
export async function answerAccessRequest(
	client: GrantsChainClient,
	{ id, approved, grantId }: AnswerAccessRequestParameters
): Promise<AnswerAccessRequestReturnType> {
	checkId('an access request', id);
	if (typeof approved !== 'boolean') throw new InvalidChainInputError(`expected approved as a boolean, got ${String(approved)}`);
	if (approved) checkId('the approving grant', grantId);
	const address = client.addresses.grants;
	return write(client, approved ? 'approve this access request' : 'decline this access request', address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: grantsAbi,
			functionName: 'answerRequest',
			args: [id, approved, approved ? (grantId as bigint) : 0n],
			account
		})
	);
}
