import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import type { ChainError } from '../errors';

export type SetVaultPointerParameters = { cid: string };
export type SetVaultPointerReturnType = Hex;
export type SetVaultPointerErrorType = ChainError;

/**
 * Sets the sending account's vault pointer (the CID of its wrapped root secret).
 * Resolves with the transaction hash once it is mined successfully.
 *
 * @example
 * const hash = await setVaultPointer(client, { cid: 'bafy...' })
 */
export async function setVaultPointer(client: ChainClient, { cid }: SetVaultPointerParameters): Promise<SetVaultPointerReturnType> {
	const address = client.addresses.vaultRegistry;
	return write(client, 'save your vault pointer', address, (account) =>
		simulateContract(client.publicClient, { address, abi: vaultRegistryAbi, functionName: 'setVaultPointer', args: [cid], account })
	);
}
