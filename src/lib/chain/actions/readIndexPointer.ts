import { hexToBytes, type Address } from 'viem';
import { readContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import type { ChainError } from '../errors';

export type ReadIndexPointerParameters = { owner: Address };
/** The owner's encrypted index pointer, or null when it never committed a batch. */
export type ReadIndexPointerReturnType = Uint8Array | null;
export type ReadIndexPointerErrorType = ChainError;

/**
 * Reads an account's encrypted index pointer (opaque bytes).
 *
 * @example
 * const pointer = await readIndexPointer(client, { owner: '0xf39F...' })
 */
export async function readIndexPointer(client: ChainClient, { owner }: ReadIndexPointerParameters): Promise<ReadIndexPointerReturnType> {
	const hex = await read(client, 'read your record index pointer', () =>
		readContract(client.publicClient, {
			address: client.addresses.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'indexPointerOf',
			args: [owner]
		})
	);
	return hex === '0x' ? null : hexToBytes(hex);
}
