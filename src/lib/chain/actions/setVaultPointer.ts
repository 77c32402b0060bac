import { keccak256, toHex, zeroHash, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import { TransactionFailedError, type ChainError } from '../errors';
import { VaultPointerChangedError } from '../../vault/errors';

export type SetVaultPointerParameters = {
	cid: string;
	/** The pointer the caller saw (compare-and-swap); null when it expects no vault yet. */
	expected: string | null;
};
export type SetVaultPointerReturnType = Hex;
export type SetVaultPointerErrorType = ChainError | VaultPointerChangedError;

/**
 * Sets the sending account's vault pointer (the CID of its wrapped root
 * secret), only if the stored pointer is still `expected`. Resolves with the
 * transaction hash once it is mined successfully; throws
 * VaultPointerChangedError when another tab or device wrote a pointer first.
 *
 * @example
 * const hash = await setVaultPointer(client, { cid: 'bafy...', expected: null })
 */
export async function setVaultPointer(client: ChainClient, { cid, expected }: SetVaultPointerParameters): Promise<SetVaultPointerReturnType> {
	const address = client.addresses.vaultRegistry;
	const expectedHash = expected ? keccak256(toHex(expected)) : zeroHash;
	try {
		return await write(client, 'save your vault pointer', address, (account) =>
			simulateContract(client.publicClient, {
				address,
				abi: vaultRegistryAbi,
				functionName: 'setVaultPointer',
				args: [expectedHash, cid],
				account
			})
		);
	} catch (err) {
		if (err instanceof TransactionFailedError && err.errorName === 'VaultRegistryPointerChanged') throw new VaultPointerChangedError({ cause: err });
		throw err;
	}
}
