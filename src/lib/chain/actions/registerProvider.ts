import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { keyRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';
import { PROVIDER_ROLES, type ProviderRole } from '../../vault/providerPorts';

export type RegisterProviderParameters = {
	/** Display name, 1 to 64 UTF-8 bytes (the contract enforces it). */
	name: string;
	role: ProviderRole;
};
export type RegisterProviderReturnType = Hex;
export type RegisterProviderErrorType = ChainError;

/**
 * Registers the sending account as a provider in the KeyRegistry, or updates
 * its profile. The account must have published its keys first (the contract
 * reverts with KeyRegistryKeysNotPublished otherwise).
 * Resolves with the transaction hash once it is mined successfully.
 *
 * @example
 * const hash = await registerProvider(client, { name: 'Dr. Ada Moreau', role: 'physician' })
 */
export async function registerProvider(client: ChainClient, { name, role }: RegisterProviderParameters): Promise<RegisterProviderReturnType> {
	const roleIndex = PROVIDER_ROLES.indexOf(role);
	if (roleIndex < 0) throw new InvalidChainInputError(`expected a provider role (${PROVIDER_ROLES.join(', ')}), got ${String(role)}`);
	if (typeof name !== 'string') throw new InvalidChainInputError(`expected a provider name string, got ${typeof name}`);
	const address = client.addresses.keyRegistry;
	return write(client, 'register you as a provider', address, (account) =>
		simulateContract(client.publicClient, { address, abi: keyRegistryAbi, functionName: 'registerProvider', args: [name, roleIndex], account })
	);
}
