import { bytesToHex, isHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import { InvalidChainInputError, TransactionFailedError, type ChainError } from '../errors';
import { IndexChangedElsewhereError } from '../../vault/errors';

export type CommitBatchParameters = {
	/** The vault's batch count when the index being extended was read (compare-and-swap). */
	expectedBatchCount: number;
	/** Merkle root over the batch's manifest hashes (32 bytes). */
	root: Hex;
	/** Number of manifests in the batch. */
	count: number;
	/** Opaque ciphertext naming the new record index. */
	encryptedIndexPointer: Uint8Array;
};
export type CommitBatchReturnType = Hex;
export type CommitBatchErrorType = ChainError | IndexChangedElsewhereError;

const MAX_UINT32 = 2 ** 32 - 1;

/**
 * One transaction that anchors a batch of record manifests (Merkle root and
 * count) and moves the sending account's encrypted index pointer, provided
 * no other batch landed since `expectedBatchCount` was read.
 * Resolves with the transaction hash once it is mined successfully; throws
 * IndexChangedElsewhereError when another tab or device committed first
 * (whether the simulation or the mined transaction caught it).
 *
 * @example
 * const hash = await commitBatch(client, { expectedBatchCount: 3, root, count: 100, encryptedIndexPointer })
 */
export async function commitBatch(
	client: ChainClient,
	{ expectedBatchCount, root, count, encryptedIndexPointer }: CommitBatchParameters
): Promise<CommitBatchReturnType> {
	if (!Number.isSafeInteger(expectedBatchCount) || expectedBatchCount < 0)
		throw new InvalidChainInputError(`expected a batch count of 0 or more, got ${expectedBatchCount}`);
	if (!isHex(root, { strict: true }) || root.length !== 66)
		throw new InvalidChainInputError(`expected a 32-byte hex Merkle root, got ${String(root).slice(0, 70)}`);
	// Zero is left to the contract (it reverts with VaultRegistryEmptyBatch); only the encoding range is checked here.
	if (!Number.isInteger(count) || count < 0 || count > MAX_UINT32)
		throw new InvalidChainInputError(`expected a record count between 0 and ${MAX_UINT32}, got ${count}`);
	const args = [BigInt(expectedBatchCount), root, count, bytesToHex(encryptedIndexPointer)] as const;
	const address = client.addresses.vaultRegistry;
	try {
		return await write(client, 'anchor your new records', address, (account) =>
			simulateContract(client.publicClient, { address, abi: vaultRegistryAbi, functionName: 'commitBatch', args, account })
		);
	} catch (err) {
		if (err instanceof TransactionFailedError && err.errorName === 'VaultRegistryStaleBatch') {
			const [expected, actual] = (err.errorArgs ?? []) as readonly bigint[];
			throw new IndexChangedElsewhereError(Number(expected ?? expectedBatchCount), Number(actual ?? -1), { cause: err });
		}
		throw err;
	}
}
