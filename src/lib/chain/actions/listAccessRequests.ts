import { hexToBytes, type Address } from 'viem';
import { getBlockNumber, getContractEvents } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { read } from '../client';
import { readEvents } from '../events';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import type { AccessRequestState } from '../../vault/grantPorts';

export type ListAccessRequestsParameters = {
	/** Which indexed party `account` is. */
	as: 'patient' | 'requester';
	account: Address;
	/** First block to scan (the contracts' deploy block is enough). */
	fromBlock: bigint;
};
export type ListAccessRequestsReturnType = AccessRequestState[];
export type ListAccessRequestsErrorType = ChainError;

/**
 * Access requests addressed to a patient, or sent by a provider, oldest first,
 * rebuilt from AccessRequested / AccessRequestAnswered events up to one block
 * read first (so an answer is never seen without its request).
 *
 * @example
 * const inbox = await listAccessRequests(client, { as: 'patient', account: '0x3C44...', fromBlock: 0n })
 * // [{ id: 1n, requester: '0x7099...', status: 'pending', sealedRequest: Uint8Array(...) }]
 */
export function listAccessRequests(
	client: GrantsChainClient,
	{ as, account, fromBlock }: ListAccessRequestsParameters
): Promise<ListAccessRequestsReturnType> {
	return read(client, 'read access requests', async () => {
		const { publicClient } = client;
		const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 });
		if (toBlock < fromBlock) return [];
		const address = client.addresses.grants;
		const requested = (
			await readEvents(client, ['requests', address, as, account], {
				fromBlock,
				toBlock,
				getLogs: (range) =>
					getContractEvents(publicClient, {
						address,
						abi: grantsAbi,
						eventName: 'AccessRequested',
						args: as === 'patient' ? { patient: account } : { requester: account },
						...range,
						strict: true
					})
			})
		).logs;
		if (requested.length === 0) return [];
		// Answers are indexed by patient, not requester: filter by the ids found.
		const ids = requested.map((log) => log.args.id);
		const answered = (
			await readEvents(client, ['answers', address, ids], {
				fromBlock,
				toBlock,
				getLogs: (range) =>
					getContractEvents(publicClient, { address, abi: grantsAbi, eventName: 'AccessRequestAnswered', args: { id: ids }, ...range, strict: true })
			})
		).logs;
		const answers = new Map(answered.map((log) => [log.args.id, log.args]));
		return requested
			.map((log): AccessRequestState => {
				const answer = answers.get(log.args.id);
				const entry: AccessRequestState = {
					id: log.args.id,
					requester: log.args.requester,
					patient: log.args.patient,
					sealedRequest: hexToBytes(log.args.sealedRequest),
					status: answer ? (answer.approved ? 'approved' : 'declined') : 'pending'
				};
				if (answer?.approved) entry.grantId = answer.grantId;
				return entry;
			})
			.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	});
}
