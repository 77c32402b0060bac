import { hexToBytes, type Address } from 'viem';
import { getContractEvents, readContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import { CommitEventMissingError, type ChainError } from '../errors';

export type ReadIndexPointerParameters = { owner: Address };
/** The owner's encrypted index pointer, or null when it never committed a batch. */
export type ReadIndexPointerReturnType = Uint8Array | null;
export type ReadIndexPointerErrorType = ChainError;

/**
 * Reads an account's encrypted index pointer (opaque bytes). Storage names
 * the batch count and the block of the latest commit; the pointer itself is
 * in that commit's BatchCommitted event, read with one eth_getLogs over that
 * single block.
 *
 * @example
 * const pointer = await readIndexPointer(client, { owner: '0xf39F...' })
 */
export async function readIndexPointer(client: ChainClient, { owner }: ReadIndexPointerParameters): Promise<ReadIndexPointerReturnType> {
	return read(client, 'read your record index pointer', async () => {
		const [count, lastBlock] = await readContract(client.publicClient, {
			address: client.addresses.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'headOf',
			args: [owner]
		});
		if (count === 0n) return null;
		const found = await commitAt(client, owner, count - 1n, lastBlock);
		return hexToBytes(found.encryptedIndexPointer);
	});
}

/** The BatchCommitted event of `owner`'s batch `batch`, mined in block `block`. */
export async function commitAt(client: ChainClient, owner: Address, batch: bigint, block: bigint) {
	const logs = await getContractEvents(client.publicClient, {
		address: client.addresses.vaultRegistry,
		abi: vaultRegistryAbi,
		eventName: 'BatchCommitted',
		args: { owner, batch },
		fromBlock: block,
		toBlock: block,
		strict: true
	});
	// Storage named this block, so an RPC that returns nothing is behind or pruned its logs.
	if (logs.length === 0) throw new CommitEventMissingError(batch, block);
	return logs[0].args;
}
