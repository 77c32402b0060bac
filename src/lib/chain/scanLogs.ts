import { errorChain } from '../errors';
import type { Chain, Client, Transport } from 'viem';
import { getBlockNumber } from 'viem/actions';
import type { EventCache } from '../vault/audit/ports';

/** How far a scan has got: blocks scanned out of the blocks asked for. */
export interface ScanProgress {
	scanned: bigint;
	total: bigint;
}

/** How event readers scan: set once per chain adapter from the site config. */
export interface LogScanOptions {
	/** Largest block range asked of the RPC in one eth_getLogs call (config.logBlockRange). @default 10_000 */
	blockRange?: number;
	/** Called after every range scanned, and once at the start (0 of total). */
	onProgress?: (progress: ScanProgress) => void;
	/**
	 * Where cursors outlive the page (vault/audit/eventCache: sealed under the
	 * vault's keys in this device's store): the next visit scans only newer blocks.
	 */
	cache?: EventCache;
}

export type ScanLogsParameters<L> = LogScanOptions & {
	/** First block to scan (the contracts' deploy block, or one past a saved cursor). */
	fromBlock: bigint;
	/** Last block to scan; the latest block when omitted. Read it once when several scans must agree. */
	toBlock?: bigint;
	/** One eth_getLogs (or several for the same range) over an inclusive block range. */
	getLogs: (range: { fromBlock: bigint; toBlock: bigint }) => Promise<readonly L[]>;
	signal?: AbortSignal;
};

export interface ScanLogsReturnType<L> {
	/** Every log found, in range order (oldest first). */
	logs: L[];
	/** The last block scanned: pass `lastBlock + 1n` as `fromBlock` to continue from here. */
	lastBlock: bigint;
}

export const DEFAULT_BLOCK_RANGE = 10_000;

// What public RPCs answer when one eth_getLogs covers too many blocks or
// returns too many logs (Alchemy, Infura, QuickNode, Ankr, BSC, geth, Cloudflare, ...).
const TOO_LARGE =
	/block range|range (is )?too (large|wide|big)|range (limit )?exceed|exceeds? (the )?(max|limit)|max(imum)? (block )?range|more than \d+ (results|logs)|response size (exceeded|is larger)|too many (results|logs|blocks)|limited to a?\s?[\d,]+ (range|blocks)|query timeout exceeded/i;
// EIP-1474 "limit exceeded".
const LIMIT_EXCEEDED = -32005;

/** True when an RPC error says the requested log range was too large (so a smaller one may work). */
export function isRangeTooLarge(err: unknown): boolean {
	return errorChain(err, ['cause']).some(
		(o) => o.code === LIMIT_EXCEEDED || [o.details, o.shortMessage, o.message].some((text) => typeof text === 'string' && TOO_LARGE.test(text))
	);
}

/**
 * Scans `fromBlock..toBlock` in ranges of at most `blockRange` blocks, oldest
 * first, so it works on RPCs that cap eth_getLogs. When the RPC says a range
 * is too large anyway, the range is halved and retried (down to one block;
 * then the error is thrown). Resumable: it returns the last block scanned,
 * and a later scan from `lastBlock + 1n` returns only newer logs.
 *
 * @example
 * const { logs, lastBlock } = await scanLogs(publicClient, {
 *   fromBlock: 0n, blockRange: 10_000,
 *   getLogs: (range) => getContractEvents(publicClient, { ...query, ...range }),
 *   onProgress: ({ scanned, total }) => console.log(`${scanned}/${total}`)
 * })
 */
export async function scanLogs<L>(
	publicClient: Client<Transport, Chain | undefined>,
	{ fromBlock, toBlock, getLogs, blockRange = DEFAULT_BLOCK_RANGE, onProgress, signal }: ScanLogsParameters<L>
): Promise<ScanLogsReturnType<L>> {
	if (!Number.isSafeInteger(blockRange) || blockRange < 1) throw new RangeError(`blockRange must be a positive integer, got ${blockRange}`);
	// Not cached: a log mined a moment ago must be in range.
	const last = toBlock ?? (await getBlockNumber(publicClient, { cacheTime: 0 }));
	const total = last >= fromBlock ? last - fromBlock + 1n : 0n;
	onProgress?.({ scanned: 0n, total });
	const logs: L[] = [];
	let range = BigInt(blockRange);
	let from = fromBlock;
	while (from <= last) {
		signal?.throwIfAborted();
		const to = from + range - 1n < last ? from + range - 1n : last;
		let found: readonly L[];
		try {
			found = await getLogs({ fromBlock: from, toBlock: to });
		} catch (err) {
			if (to === from || !isRangeTooLarge(err)) throw err;
			// The RPC's limit is below ours: keep the smaller range for the rest of the scan.
			range = (to - from + 1n) / 2n;
			continue;
		}
		logs.push(...found);
		onProgress?.({ scanned: to - fromBlock + 1n, total });
		from = to + 1n;
	}
	return { logs, lastBlock: last < fromBlock ? fromBlock - 1n : last };
}

interface Cursor<L> {
	lastBlock: bigint;
	logs: L[];
	/** The last block the persistent cache holds for this query (undefined: not saved there). */
	savedBlock?: bigint;
}

// A cursor that only moved (no new logs) is saved again after this many blocks, not on every read.
const RESAVE_BLOCKS = 1_000n;

/**
 * A scan that remembers, per query, what it already read: in memory for the
 * life of the adapter, and in `options.cache` (sealed, on this device) when
 * one is given, so the next visit scans only the blocks mined since.
 * Logs are final once read here, so the cached part needs no re-check (a deep
 * reorganisation of the chain would need a reload). A cache that fails to
 * read or write costs only a longer scan, never the result.
 */
export function createLogScanner(options: LogScanOptions = {}, cursors = new Map<string, Cursor<unknown>>()) {
	return async function scan<L>(
		publicClient: Client<Transport, Chain | undefined>,
		key: string,
		params: Omit<ScanLogsParameters<L>, 'blockRange' | 'onProgress'>
	): Promise<ScanLogsReturnType<L>> {
		key = `${key}@${params.fromBlock}`;
		const to = params.toBlock ?? (await getBlockNumber(publicClient, { cacheTime: 0 }));
		let saved = cursors.get(key) as Cursor<L> | undefined;
		if (!saved && options.cache) {
			const stored = await options.cache.get(key).catch(() => null);
			if (stored) saved = { lastBlock: stored.lastBlock, logs: stored.logs as L[], savedBlock: stored.lastBlock };
		}
		// A cursor past `to` (an RPC behind another one) holds logs the caller's block does not have yet: start over.
		const cached = saved && saved.lastBlock <= to ? saved : undefined;
		if (cached && cached.lastBlock === to) {
			cursors.set(key, cached);
			return { logs: cached.logs.slice(), lastBlock: to };
		}
		const from = cached ? cached.lastBlock + 1n : params.fromBlock;
		const fresh = await scanLogs(publicClient, { ...params, fromBlock: from, toBlock: to, blockRange: options.blockRange, onProgress: options.onProgress });
		const logs = cached ? [...cached.logs, ...fresh.logs] : fresh.logs;
		const next: Cursor<L> = { lastBlock: fresh.lastBlock, logs, savedBlock: cached?.savedBlock };
		if (options.cache && (fresh.logs.length > 0 || next.savedBlock === undefined || fresh.lastBlock - next.savedBlock >= RESAVE_BLOCKS)) {
			try {
				await options.cache.put(key, { lastBlock: fresh.lastBlock, logs });
				next.savedBlock = fresh.lastBlock;
			} catch {
				// Not saved: the next visit scans these blocks again.
			}
		}
		cursors.set(key, next);
		return { logs: logs.slice(), lastBlock: fresh.lastBlock };
	};
}

export type LogScanner = ReturnType<typeof createLogScanner>;

/** A stable cache key for a query (bigints and arrays included). */
export function scanKey(query: unknown): string {
	return JSON.stringify(query, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? v.toLowerCase() : v));
}

const scanners = new WeakMap<object, LogScanner>();
// Cursors outlive one adapter: a page made again on the next visit resumes where the last one stopped.
const cursorsByRpc = new Map<string, Map<string, Cursor<unknown>>>();

/**
 * The scanner of one chain adapter's client, made on first use from
 * `client.logScan`. Clients of the same RPC URL share their cursors.
 */
export function scannerOf(client: { logScan?: LogScanOptions; publicClient: Client<Transport, Chain | undefined> }): LogScanner {
	let scanner = scanners.get(client);
	if (!scanner) {
		const url = (client.publicClient.transport as { url?: unknown }).url;
		let cursors: Map<string, Cursor<unknown>> | undefined;
		if (typeof url === 'string') {
			cursors = cursorsByRpc.get(url) ?? new Map<string, Cursor<unknown>>();
			cursorsByRpc.set(url, cursors);
		}
		scanner = createLogScanner(client.logScan, cursors);
		scanners.set(client, scanner);
	}
	return scanner;
}
