import type { Chain, Client, Transport } from 'viem';
import { getBlock, getBlockNumber } from 'viem/actions';
import { scannerOf, type LogScanOptions } from './scanLogs';

/** What the reader needs of a chain adapter's client. */
export interface EventReaderClient {
	publicClient: Client<Transport, Chain | undefined>;
	logScan?: LogScanOptions;
}

/** A log with its block's time (seconds since the Unix epoch), kept with it in the cache. */
export type TimedLog<L> = L & { blockTimestamp: number };

type AnyLog = { blockNumber: bigint | null; blockTimestamp?: unknown };

/**
 * The one chain-event reader: every list of grants, proposals, access
 * requests and every audit source reads its logs here. It scans in bounded
 * block ranges (halving when the RPC says a range is too large: scanLogs),
 * remembers per query how far it got, in memory and (once a vault is open)
 * in the sealed cache on this device (`client.logScan.cache`), so a second
 * visit reads only the blocks after the cursor. With `timestamps`, each log
 * carries its block's time, fetched once per block and cached with it.
 *
 * @example
 * const { logs } = await readEvents(client, ['granted', grants, patient], {
 *   fromBlock: 0n, timestamps: true,
 *   getLogs: (range) => getContractEvents(client.publicClient, { address: grants, abi: grantsAbi, eventName: 'Granted', args: { patient }, ...range, strict: true })
 * })
 */
export async function readEvents<L extends AnyLog>(
	client: EventReaderClient,
	query: unknown,
	params: {
		fromBlock: bigint;
		/** Last block; the latest when omitted. Pass one block read first when several reads must agree. */
		toBlock?: bigint;
		getLogs: (range: { fromBlock: bigint; toBlock: bigint }) => Promise<readonly L[]>;
		timestamps?: boolean;
		signal?: AbortSignal;
	}
): Promise<{ logs: TimedLog<L>[]; lastBlock: bigint }> {
	const { publicClient } = client;
	const toBlock = params.toBlock ?? (await getBlockNumber(publicClient, { cacheTime: 0 }));
	const getLogs = params.timestamps ? withTimestamps(publicClient, params.getLogs) : params.getLogs;
	const key = eventKey([params.timestamps ? 'timed' : 'plain', query]);
	const result = await scannerOf(client)(publicClient, key, { fromBlock: params.fromBlock, toBlock, getLogs, signal: params.signal });
	return result as { logs: TimedLog<L>[]; lastBlock: bigint };
}

/** A stable key for a query (bigints and arrays included; addresses in any case). */
export function eventKey(query: unknown): string {
	return JSON.stringify(query, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? v.toLowerCase() : v));
}

function withTimestamps<L extends AnyLog>(
	publicClient: Client<Transport, Chain | undefined>,
	getLogs: (range: { fromBlock: bigint; toBlock: bigint }) => Promise<readonly L[]>
) {
	return async (range: { fromBlock: bigint; toBlock: bigint }): Promise<TimedLog<L>[]> => {
		const logs = await getLogs(range);
		// Some RPCs put the block's time in the log already (blockTimestamp, a hex quantity); others need one block read per block.
		const missing = [...new Set(logs.filter((l) => timestampOf(l) === null && l.blockNumber !== null).map((l) => l.blockNumber as bigint))];
		const times = new Map<bigint, number>();
		await Promise.all(
			missing.map(async (blockNumber) => times.set(blockNumber, Number((await getBlock(publicClient, { blockNumber })).timestamp)))
		);
		return logs.map((l) => ({ ...l, blockTimestamp: timestampOf(l) ?? times.get(l.blockNumber as bigint) ?? 0 }));
	};
}

function timestampOf(log: AnyLog): number | null {
	const t = log.blockTimestamp;
	if (typeof t === 'bigint') return Number(t);
	if (typeof t === 'number') return t;
	if (typeof t === 'string' && /^0x[0-9a-f]+$/i.test(t)) return Number(BigInt(t));
	return null;
}

/**
 * The first block at or after `fromBlock` whose time is at least `time`, or
 * null when even `toBlock` is earlier: where a deadline (a grant's expiry)
 * falls on the chain. Binary search: about log2(range) block reads.
 */
export async function firstBlockAtOrAfter(
	publicClient: Client<Transport, Chain | undefined>,
	time: number,
	{ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }
): Promise<{ blockNumber: bigint; timestamp: number } | null> {
	const at = async (blockNumber: bigint) => Number((await getBlock(publicClient, { blockNumber })).timestamp);
	if (toBlock < fromBlock || (await at(toBlock)) < time) return null;
	let lo = fromBlock;
	let hi = toBlock;
	while (lo < hi) {
		const mid = (lo + hi) / 2n;
		if ((await at(mid)) >= time) hi = mid;
		else lo = mid + 1n;
	}
	return { blockNumber: lo, timestamp: await at(lo) };
}
