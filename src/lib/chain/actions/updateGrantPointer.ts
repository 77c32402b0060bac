import { bytesToHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { GRANT_POINTER_MAX_BYTES, checkCommitment, checkId, checkSealed } from './grantInput';

export type UpdateGrantPointerParameters = { id: bigint; sealedPointer: Uint8Array; commitment: Hex };
export type UpdateGrantPointerReturnType = Hex;
export type UpdateGrantPointerErrorType = ChainError;

/**
 * Replaces an active grant's sealed pointer as its patient (the sending
 * account), so records added since reach the grantee. Reverts with
 * GrantsNotPatient, GrantsRevoked or GrantsExpired otherwise.
 *
 * @example
 * const hash = await updateGrantPointer(client, { id: 4n, sealedPointer, commitment })
 */
export async function updateGrantPointer(
	client: GrantsChainClient,
	{ id, sealedPointer, commitment }: UpdateGrantPointerParameters
): Promise<UpdateGrantPointerReturnType> {
	checkId('a grant', id);
	checkSealed('sealed grant pointer', sealedPointer, GRANT_POINTER_MAX_BYTES);
	checkCommitment(commitment);
	const address = client.addresses.grants;
	return write(client, 'update this grant', address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: grantsAbi,
			functionName: 'updatePointer',
			args: [id, bytesToHex(sealedPointer), commitment],
			account
		})
	);
}
