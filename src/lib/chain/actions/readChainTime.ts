import { getBlock } from 'viem/actions';
import { read, type ChainClient } from '../client';

/**
 * The latest block's timestamp (Unix seconds): the clock contracts and EAS
 * judge time by, whatever the device's clock says.
 *
 * @example
 * const now = await readChainTime(client) // 1764456000
 */
export async function readChainTime(client: Pick<ChainClient, 'publicClient'>): Promise<number> {
	return read(client as ChainClient, 'read the chain time', async () => {
		// Not cached: a block mined a moment ago moves the clock.
		const block = await getBlock(client.publicClient, { blockTag: 'latest', includeTransactions: false });
		return Number(block.timestamp);
	});
}
