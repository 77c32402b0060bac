import { getAddress, type Address } from 'viem';
import { readContract } from 'viem/actions';
import { keyRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import type { ChainError } from '../errors';
import { PROVIDER_ROLES, type ProviderProfile } from '../../vault/providerPorts';

export type ReadProviderParameters = { provider: Address };
/** The provider's registered profile, or null when the account never registered. */
export type ReadProviderReturnType = ProviderProfile | null;
export type ReadProviderErrorType = ChainError;

/**
 * Reads the provider profile (display name, role) an account registered in the KeyRegistry.
 *
 * @example
 * const profile = await readProvider(client, { provider: '0x7099...' })
 * // { address: '0x7099...', name: 'Dr. Ada Moreau', role: 'physician', updatedAt: 1760000000 }
 */
export async function readProvider(client: ChainClient, { provider }: ReadProviderParameters): Promise<ReadProviderReturnType> {
	const [name, role, updatedAt] = await read(client, 'read a provider profile', () =>
		readContract(client.publicClient, {
			address: client.addresses.keyRegistry,
			abi: keyRegistryAbi,
			functionName: 'providerOf',
			args: [provider]
		})
	);
	if (updatedAt === 0n) return null;
	// The contract refuses roles outside the enum, so the lookup cannot miss for a registered profile.
	return { address: getAddress(provider), name, role: PROVIDER_ROLES[role] ?? 'other', updatedAt: Number(updatedAt) };
}
