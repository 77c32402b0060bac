import { bytesToHex, isHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';

export type CommitBatchParameters = {
	/** Merkle root over the batch's manifest hashes (32 bytes). */
	root: Hex;
	/** Number of manifests in the batch. */
	count: number;
	/** Opaque ciphertext naming the new record index. */
	encryptedIndexPointer: Uint8Array;
};
export type CommitBatchReturnType = Hex;
export type CommitBatchErrorType = ChainError;

const MAX_UINT32 = 2 ** 32 - 1;

/**
 * One transaction that anchors a batch of record manifests (Merkle root and
 * count) and moves the sending account's encrypted index pointer.
 * Resolves with the transaction hash once it is mined successfully.
 *
 * @example
 * const hash = await commitBatch(client, { root, count: 100, encryptedIndexPointer })
 */
export async function commitBatch(
	client: ChainClient,
	{ root, count, encryptedIndexPointer }: CommitBatchParameters
): Promise<CommitBatchReturnType> {
	if (!isHex(root, { strict: true }) || root.length !== 66)
		throw new InvalidChainInputError(`expected a 32-byte hex Merkle root, got ${String(root).slice(0, 70)}`);
	// Zero is left to the contract (it reverts with VaultRegistryEmptyBatch); only the encoding range is checked here.
	if (!Number.isInteger(count) || count < 0 || count > MAX_UINT32)
		throw new InvalidChainInputError(`expected a record count between 0 and ${MAX_UINT32}, got ${count}`);
	const args = [root, count, bytesToHex(encryptedIndexPointer)] as const;
	const address = client.addresses.vaultRegistry;
	return write(client, 'anchor your new records', address, (account) =>
		simulateContract(client.publicClient, { address, abi: vaultRegistryAbi, functionName: 'commitBatch', args, account })
	);
}
