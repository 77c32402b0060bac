import { getBlockNumber, getContractEvents } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { read } from '../client';
import { readEvents } from '../events';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import type { GrantState } from '../../vault/grantPorts';
import { checkId } from './grantInput';
import { grantStates } from './listGrants';

export type ReadGrantParameters = {
	id: bigint;
	/** First block to scan for the grant's events (the contracts' deploy block is enough). */
	fromBlock: bigint;
};
/** The grant with its latest sealed pointer, or null when no grant has this id. */
export type ReadGrantReturnType = GrantState | null;
export type ReadGrantErrorType = ChainError;

/**
 * One grant: its parties, expiry, revocation, whether it is active at the
 * latest block, and its latest sealed pointer. Needs no wallet (a share-link
 * viewer reads with a public client only).
 *
 * @example
 * const state = await readGrant(client, { id: 1n, fromBlock: 0n })
 * if (!state?.active) refuse()
 */
export async function readGrant(client: GrantsChainClient, { id, fromBlock }: ReadGrantParameters): Promise<ReadGrantReturnType> {
	checkId('a grant', id);
	return read(client, 'read a grant', async () => {
		const toBlock = await getBlockNumber(client.publicClient, { cacheTime: 0 });
		if (toBlock < fromBlock) return null;
		const { publicClient } = client;
		const address = client.addresses.grants;
		// One scan for both events: a share-link viewer on a public RPC pays for the range once.
		const { logs } = await readEvents(client, ['grant', address, id], {
			fromBlock,
			toBlock,
			getLogs: async (range) => {
				const [granted, updates] = await Promise.all([
					getContractEvents(publicClient, { address, abi: grantsAbi, eventName: 'Granted', args: { id }, ...range, strict: true }),
					getContractEvents(publicClient, { address, abi: grantsAbi, eventName: 'GrantPointerUpdated', args: { id }, ...range, strict: true })
				]);
				return [...granted, ...updates];
			}
		});
		const granted = logs.filter((log) => log.eventName === 'Granted');
		const updates = logs.filter((log) => log.eventName === 'GrantPointerUpdated');
		const [state] = await grantStates(client, granted.slice(0, 1), { fromBlock, toBlock, updates });
		return state ?? null;
	});
}
