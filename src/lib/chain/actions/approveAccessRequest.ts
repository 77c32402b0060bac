import { bytesToHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { GRANT_POINTER_MAX_BYTES, checkCommitment, checkExpiry, checkId, checkSealed } from './grantInput';
import { grantedId } from './grantedId';

export type ApproveAccessRequestParameters = {
	/** The access request. */
	id: bigint;
	/** Unix seconds after which the grant is no longer active; 0 for no expiry. Must be in the future. */
	expiresAt: number;
	/** The bundle pointer sealed to the requester's X25519 key, 1 to 1024 bytes; kept only in the Granted event. */
	sealedPointer: Uint8Array;
	/** Non-zero 32-byte grant commitment (see vault/sharing/commitment.ts). */
	commitment: Hex;
};
export type ApproveAccessRequestReturnType = { hash: Hex; grantId: bigint };
export type ApproveAccessRequestErrorType = ChainError;

/**
 * Approves an access request as its patient (the sending account), once: ONE
 * transaction grants the requester recorded on-chain and answers the request
 * with that grant, so an approval can never point at another grantee's grant.
 * Resolves once mined, with the grant id read from the receipt's Granted event.
 *
 * @example
 * const { grantId } = await approveAccessRequest(client, { id: request.id, expiresAt: 0, sealedPointer, commitment })
 */
export async function approveAccessRequest(
	client: GrantsChainClient,
	{ id, expiresAt, sealedPointer, commitment }: ApproveAccessRequestParameters
): Promise<ApproveAccessRequestReturnType> {
	checkId('an access request', id);
	checkExpiry(expiresAt);
	checkSealed('sealed grant pointer', sealedPointer, GRANT_POINTER_MAX_BYTES);
	checkCommitment(commitment);
	const address = client.addresses.grants;
	const action = 'approve this access request';
	const hash = await write(client, action, address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: grantsAbi,
			functionName: 'approveRequest',
			args: [id, BigInt(expiresAt), bytesToHex(sealedPointer), commitment],
			account
		})
	);
	return { hash, grantId: await grantedId(client, action, hash) };
}
