import { hexToBytes, type Address } from 'viem';
import { getBlockNumber, getContractEvents, readContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { read } from '../client';
import { readEvents } from '../events';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import type { GrantState } from '../../vault/grantPorts';

export type ListGrantsParameters = {
	/** Which indexed party `account` is. */
	as: 'patient' | 'grantee';
	account: Address;
	/** First block to scan (the contracts' deploy block is enough). */
	fromBlock: bigint;
};
export type ListGrantsReturnType = GrantState[];
export type ListGrantsErrorType = ChainError;

type PointerLog = { args: { id: bigint; commitment: `0x${string}`; sealedPointer: `0x${string}` }; blockNumber: bigint };
type GrantedLog = {
	args: { id: bigint; grantee: `0x${string}`; commitment: `0x${string}`; sealedPointer: `0x${string}` };
	blockNumber: bigint;
};

/**
 * The grants one party made (`as: 'patient'`) or received (`as: 'grantee'`),
 * oldest first, each with its latest sealed pointer and its state.
 *
 * @example
 * const mine = await listGrants(client, { as: 'grantee', account: '0x7099...', fromBlock: 0n })
 * // [{ id: 1n, patient: '0x3C44...', active: true, sealedPointer: Uint8Array(...), ... }]
 */
export function listGrants(client: GrantsChainClient, { as, account, fromBlock }: ListGrantsParameters): Promise<ListGrantsReturnType> {
	return read(client, 'read grants', async () => {
		// Not cached: a grant mined a moment ago must be in range.
		const toBlock = await getBlockNumber(client.publicClient, { cacheTime: 0 });
		if (toBlock < fromBlock) return [];
		const address = client.addresses.grants;
		const args = as === 'patient' ? { patient: account } : { grantee: account };
		const { logs: granted } = await readEvents(client, ['granted', address, as, account], {
			fromBlock,
			toBlock,
			getLogs: (range) => getContractEvents(client.publicClient, { address, abi: grantsAbi, eventName: 'Granted', args, ...range, strict: true })
		});
		return grantStates(client, granted, { fromBlock, toBlock });
	});
}

/**
 * Completes Granted events with their pointer updates and on-chain state, all
 * read at `toBlock`: `active` is then judged at that block's timestamp, the
 * same clock the contract uses.
 */
export async function grantStates(
	client: GrantsChainClient,
	granted: readonly GrantedLog[],
	{ fromBlock, toBlock, updates: known }: { fromBlock: bigint; toBlock: bigint; updates?: readonly PointerLog[] }
): Promise<GrantState[]> {
	if (granted.length === 0) return [];
	const { publicClient } = client;
	const address = client.addresses.grants;
	const ids = granted.map((log) => log.args.id);
	// An empty id list would be a wildcard topic: guarded above.
	const [updates, states] = await Promise.all([
		known ??
			readEvents(client, ['pointers', address, ids], {
				fromBlock,
				toBlock,
				getLogs: (range) => getContractEvents(publicClient, { address, abi: grantsAbi, eventName: 'GrantPointerUpdated', args: { id: ids }, ...range, strict: true })
			}).then((scan) => scan.logs),
		Promise.all(ids.map((id) => readContract(publicClient, { address, abi: grantsAbi, functionName: 'grantOf', args: [id], blockNumber: toBlock })))
	]);
	// Logs arrive in chain order, so the last one per id is the latest pointer.
	const latest = new Map<bigint, PointerLog>();
	for (const log of [...granted, ...updates]) latest.set(log.args.id, log);

	return granted
		.map((log, i): GrantState => {
			const [patient, expiresAt, revoked, active] = states[i];
			const pointer = latest.get(log.args.id) ?? log;
			return {
				id: log.args.id,
				patient,
				// Not in storage (it would cost 22,100 gas per grant): the Granted event names it.
				grantee: log.args.grantee,
				commitment: pointer.args.commitment,
				expiresAt: Number(expiresAt),
				revoked,
				active,
				sealedPointer: hexToBytes(pointer.args.sealedPointer),
				grantedBlock: pointer.blockNumber
			};
		})
		.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
