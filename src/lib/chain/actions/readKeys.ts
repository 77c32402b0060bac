import { hexToBytes, type Address } from 'viem';
import { readContract } from 'viem/actions';
import { keyRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import type { ChainError } from '../errors';
import type { PublicKeys } from '../../vault/ports';

export type ReadKeysParameters = { owner: Address };
/** The owner's published keys and when they were last published, or null when none. */
export type ReadKeysReturnType = (PublicKeys & { updatedAt: number }) | null;
export type ReadKeysErrorType = ChainError;

/**
 * Reads the public keys an account published in the KeyRegistry.
 *
 * @example
 * const keys = await readKeys(client, { owner: '0x7099...' })
 */
export async function readKeys(client: ChainClient, { owner }: ReadKeysParameters): Promise<ReadKeysReturnType> {
	const [inbox, signing, umbral, updatedAt] = await read(client, 'read published keys', () =>
		readContract(client.publicClient, {
			address: client.addresses.keyRegistry,
			abi: keyRegistryAbi,
			functionName: 'keysOf',
			args: [owner]
		})
	);
	if (updatedAt === 0n) return null;
	return { inbox: hexToBytes(inbox), signing: hexToBytes(signing), umbral: hexToBytes(umbral), updatedAt: Number(updatedAt) };
}
