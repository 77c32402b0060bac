import { bytesToHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { GRANT_POINTER_MAX_BYTES, checkAddress, checkCommitment, checkExpiry, checkSealed } from './grantInput';
import { grantedId } from './grantedId';

export type GrantParameters = {
	/** Who may open the bundle: a provider, or a share link's throwaway address. Needs no published keys. */
	grantee: Hex;
	/** Unix seconds after which the grant is no longer active; 0 for no expiry. Must be in the future. */
	expiresAt: number;
	/** The bundle pointer sealed to the grantee's X25519 key, 1 to 1024 bytes; kept only in the Granted event. */
	sealedPointer: Uint8Array;
	/** Non-zero 32-byte hash binding the sealed pointer. */
	commitment: Hex;
};
export type GrantReturnType = { hash: Hex; id: bigint };
export type GrantErrorType = ChainError;

/**
 * Grants `grantee` access as the sending account (the patient): one
 * transaction, whatever the number of records behind the pointer. Resolves once
 * mined, with the id read from the receipt's Granted event.
 *
 * @example
 * const { hash, id } = await grant(client, { grantee: '0x7099...', expiresAt: 0, sealedPointer, commitment })
 */
export async function grant(client: GrantsChainClient, { grantee, expiresAt, sealedPointer, commitment }: GrantParameters): Promise<GrantReturnType> {
	checkAddress('grantee', grantee);
	checkExpiry(expiresAt);
	checkSealed('sealed grant pointer', sealedPointer, GRANT_POINTER_MAX_BYTES);
	checkCommitment(commitment);
	const address = client.addresses.grants;
	const action = 'record this grant';
	const hash = await write(client, action, address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: grantsAbi,
			functionName: 'grant',
			args: [grantee, BigInt(expiresAt), bytesToHex(sealedPointer), commitment],
			account
		})
	);
	return { hash, id: await grantedId(client, action, hash) };
}
