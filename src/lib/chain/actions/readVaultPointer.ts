import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import type { ChainError } from '../errors';

export type ReadVaultPointerParameters = { owner: Address };
/** The CID of the owner's wrapped root secret, or null when none was set. */
export type ReadVaultPointerReturnType = string | null;
export type ReadVaultPointerErrorType = ChainError;

/**
 * Reads an account's vault pointer.
 *
 * @example
 * const cid = await readVaultPointer(client, { owner: '0xf39F...' })
 */
export async function readVaultPointer(client: ChainClient, { owner }: ReadVaultPointerParameters): Promise<ReadVaultPointerReturnType> {
	const cid = await read(client, 'read your vault pointer', () =>
		readContract(client.publicClient, {
			address: client.addresses.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'vaultPointerOf',
			args: [owner]
		})
	);
	return cid === '' ? null : cid;
}
