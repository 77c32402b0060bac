import type { Address, Hex } from 'viem';
import { readContract } from 'viem/actions';
import { vaultRegistryAbi } from '../contracts.generated';
import { read, type ChainClient } from '../client';
import type { ChainError } from '../errors';
import { commitAt } from './readIndexPointer';

export type ReadBatchAnchorParameters = { owner: Address; batch: number };
/** The Merkle root and manifest count the chain recorded for that batch, and the block it was mined in; null when there is no such batch. */
export type ReadBatchAnchorReturnType = { root: Hex; count: number; block: bigint } | null;
export type ReadBatchAnchorErrorType = ChainError;

/**
 * Finds the anchor of `owner`'s batch number `batch`: from the block storage
 * names for the latest batch, each BatchCommitted event names the block of
 * the one before, so the walk needs one eth_getLogs per newer batch and no
 * range scan.
 *
 * @example
 * const anchor = await readBatchAnchor(client, { owner: '0xf39F...', batch: 0 })
 */
export async function readBatchAnchor(client: ChainClient, { owner, batch }: ReadBatchAnchorParameters): Promise<ReadBatchAnchorReturnType> {
	return read(client, 'read a batch anchor', async () => {
		const [count, lastBlock] = await readContract(client.publicClient, {
			address: client.addresses.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'headOf',
			args: [owner]
		});
		if (!Number.isSafeInteger(batch) || batch < 0 || BigInt(batch) >= count) return null;
		let block = lastBlock;
		for (let b = count - 1n; ; b--) {
			const found = await commitAt(client, owner, b, block);
			if (b === BigInt(batch)) return { root: found.root, count: found.count, block };
			block = found.previousBlock;
		}
	});
}
