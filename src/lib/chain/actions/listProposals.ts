import { hexToBytes, type Address, type Hex } from 'viem';
import { getBlock, getBlockNumber, getContractEvents } from 'viem/actions';
import { proposalsAbi } from '../contracts.generated';
import { read } from '../client';
import { readEvents } from '../events';
import type { ProposalsChainClient } from '../client';
import type { ProposalEntry } from '../../vault/providerPorts';

export type ListProposalsParameters = {
	/** Which indexed party `account` is. */
	as: 'patient' | 'provider';
	account: Address;
	/** First block to scan (the contracts' deploy block is enough). */
	fromBlock: bigint;
};

/**
 * Shared by listProposalsForPatient and listProposalsByProvider: rebuilds the
 * proposals of one party from ProposalMade / ProposalAccepted / ProposalRejected
 * events, oldest first. All three queries end at one block number read first, so
 * a decision is never seen without its proposal. Decision times come from the
 * decisions' blocks. The scan runs in ranges of `client.logScan.blockRange`
 * blocks (public RPCs cap eth_getLogs) and resumes where the last one ended.
 */
export async function listProposals(client: ProposalsChainClient, { as, account, fromBlock }: ListProposalsParameters): Promise<ProposalEntry[]> {
	return read(client, 'read proposals', async () => {
		const { publicClient } = client;
		// Not cached: a proposal mined a moment ago must be in range.
		const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 });
		if (toBlock < fromBlock) return [];
		const address = client.addresses.proposals;
		const args = as === 'patient' ? { patient: account } : { provider: account };
		const query = { address, abi: proposalsAbi, args, strict: true } as const;
		const { logs } = await readEvents(client, ['proposals', address, as, account], {
			fromBlock,
			toBlock,
			getLogs: async (range) => {
				const [made, accepted, rejected] = await Promise.all([
					getContractEvents(publicClient, { ...query, ...range, eventName: 'ProposalMade' }),
					getContractEvents(publicClient, { ...query, ...range, eventName: 'ProposalAccepted' }),
					getContractEvents(publicClient, { ...query, ...range, eventName: 'ProposalRejected' })
				]);
				return [...made, ...accepted, ...rejected];
			}
		});
		const made = logs.filter((log) => log.eventName === 'ProposalMade');
		const accepted = logs.filter((log) => log.eventName === 'ProposalAccepted');
		const rejected = logs.filter((log) => log.eventName === 'ProposalRejected');

		type Decision = { status: 'accepted' | 'rejected'; blockNumber: bigint; txHash: Hex; anchorRoot?: Hex };
		const decisions = new Map<bigint, Decision>();
		for (const log of accepted)
			decisions.set(log.args.id, { status: 'accepted', blockNumber: log.blockNumber, txHash: log.transactionHash, anchorRoot: log.args.anchorRoot });
		for (const log of rejected) decisions.set(log.args.id, { status: 'rejected', blockNumber: log.blockNumber, txHash: log.transactionHash });

		const blockTimes = new Map<bigint, number>();
		await Promise.all(
			[...new Set([...decisions.values()].map((d) => d.blockNumber))].map(async (blockNumber) => {
				const block = await getBlock(publicClient, { blockNumber });
				blockTimes.set(blockNumber, Number(block.timestamp));
			})
		);

		return made
			.map((log): ProposalEntry => {
				const decision = decisions.get(log.args.id);
				const entry: ProposalEntry = {
					id: log.args.id,
					provider: log.args.provider,
					patient: log.args.patient,
					sealedPayload: hexToBytes(log.args.sealedPayload),
					status: decision?.status ?? 'pending',
					blockNumber: log.blockNumber,
					txHash: log.transactionHash
				};
				if (decision) {
					entry.decidedAt = blockTimes.get(decision.blockNumber);
					entry.decisionTxHash = decision.txHash;
					if (decision.anchorRoot) entry.anchorRoot = decision.anchorRoot;
				}
				return entry;
			})
			.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	});
}
