/**
 * Log scans in bounded ranges against a real anvil: many mined blocks, a small
 * range, an RPC that refuses large ranges the way public RPCs do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, custom, hexToBigInt, http, type Hex } from 'viem';
import { getContractEvents } from 'viem/actions';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { vaultRegistryAbi } from './contracts.generated';
import { createVaultChain } from './vaultChain';
import { createProviderChain } from './providerChain';
import { createLogScanner, isRangeTooLarge, scanLogs, type ScanProgress } from './scanLogs';
import { ChainRequestFailedError } from './errors';

let t: TestChain;
const MAX_RANGE = 5n;

beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

const mine = (blocks: number) => t.publicClient.request({ method: 'anvil_mine' as never, params: [`0x${blocks.toString(16)}`] as never });

/** Each dev account sets its vault pointer once, with blocks mined in between: events spread over many blocks. */
async function spreadEvents(accounts: number[], gap: number): Promise<void> {
	for (const index of accounts) {
		await mine(gap);
		await createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account: t.account(index), addresses: t.config.contracts }).setVaultPointer(
			`bafy-scan-${index}`,
			null
		);
	}
}

/**
 * anvil behind a transport that refuses eth_getLogs over more than MAX_RANGE
 * blocks with the error public RPCs send, and counts the ranges asked.
 */
function cappedClient(message = `query exceeds max block range ${MAX_RANGE}`) {
	const upstream = http(t.rpcUrl, { retryCount: 0 })({ chain: t.chain, retryCount: 0 });
	const ranges: Array<[bigint, bigint]> = [];
	const refused: Array<[bigint, bigint]> = [];
	const transport = custom(
		{
			async request({ method, params }: { method: string; params?: unknown }) {
				if (method === 'eth_getLogs') {
					const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
					const range: [bigint, bigint] = [hexToBigInt(filter.fromBlock), hexToBigInt(filter.toBlock)];
					if (range[1] - range[0] + 1n > MAX_RANGE) {
						refused.push(range);
						throw Object.assign(new Error(message), { code: -32602 });
					}
					ranges.push(range);
				}
				return upstream.request({ method, params } as never);
			}
		},
		{ retryCount: 0 }
	);
	return { client: createPublicClient({ chain: t.chain, transport }), ranges, refused };
}

const pointerLogs = (client: TestChain['publicClient'] | ReturnType<typeof cappedClient>['client']) => (range: { fromBlock: bigint; toBlock: bigint }) =>
	getContractEvents(client, { address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, eventName: 'VaultPointerSet', ...range, strict: true });

const idOf = (log: { transactionHash: Hex; logIndex: number }) => `${log.transactionHash}:${log.logIndex}`;

describe('scanLogs', () => {
	it('in ranges of 3 blocks finds exactly what one full-range query finds, with progress rising to 100%', async () => {
		await spreadEvents([1, 2, 3, 4], 7);
		const fromBlock = BigInt(t.deployBlock);
		const toBlock = await t.publicClient.getBlockNumber({ cacheTime: 0 });
		const full = await pointerLogs(t.publicClient)({ fromBlock, toBlock });
		expect(full.length).toBe(4);

		const progress: ScanProgress[] = [];
		const calls: Array<[bigint, bigint]> = [];
		const scan = await scanLogs(t.publicClient, {
			fromBlock,
			toBlock,
			blockRange: 3,
			getLogs: (range) => {
				calls.push([range.fromBlock, range.toBlock]);
				return pointerLogs(t.publicClient)(range);
			},
			onProgress: (p) => progress.push(p)
		});
		expect(scan.logs.map(idOf)).toEqual(full.map(idOf));
		expect(scan.lastBlock).toBe(toBlock);
		// Contiguous ranges of at most 3 blocks covering the whole span once.
		expect(calls[0][0]).toBe(fromBlock);
		expect(calls.at(-1)![1]).toBe(toBlock);
		for (const [i, [from, to]] of calls.entries()) {
			expect(to - from + 1n <= 3n).toBe(true);
			if (i > 0) expect(from).toBe(calls[i - 1][1] + 1n);
		}
		const total = toBlock - fromBlock + 1n;
		expect(progress.every((p) => p.total === total)).toBe(true);
		expect(progress[0].scanned).toBe(0n);
		expect(progress.at(-1)!.scanned).toBe(total);
		for (let i = 1; i < progress.length; i++) expect(progress[i].scanned > progress[i - 1].scanned).toBe(true);
	});

	it('resumes from a cursor: a scan from lastBlock + 1 returns only the events mined since', async () => {
		const fromBlock = BigInt(t.deployBlock);
		const first = await scanLogs(t.publicClient, { fromBlock, blockRange: 3, getLogs: pointerLogs(t.publicClient) });
		await spreadEvents([5, 6], 4);
		const next = await scanLogs(t.publicClient, { fromBlock: first.lastBlock + 1n, blockRange: 3, getLogs: pointerLogs(t.publicClient) });
		expect(next.logs.map((l) => l.args.owner)).toEqual([t.account(5).address, t.account(6).address]);
		expect(next.lastBlock > first.lastBlock).toBe(true);
		const all = await pointerLogs(t.publicClient)({ fromBlock, toBlock: next.lastBlock });
		expect([...first.logs, ...next.logs].map(idOf)).toEqual(all.map(idOf));

		// Nothing new: an empty range, nothing asked of the RPC, progress says done.
		const progress: ScanProgress[] = [];
		const idle = await scanLogs(t.publicClient, {
			fromBlock: next.lastBlock + 1n,
			toBlock: next.lastBlock,
			getLogs: () => Promise.reject(new Error('must not be called')),
			onProgress: (p) => progress.push(p)
		});
		expect(idle).toEqual({ logs: [], lastBlock: next.lastBlock });
		expect(progress).toEqual([{ scanned: 0n, total: 0n }]);
	});

	it('the adapter scanner keeps a cursor: a second visit asks the RPC only for blocks mined since', async () => {
		const capped = cappedClient();
		const scan = createLogScanner({ blockRange: 3 });
		const fromBlock = BigInt(t.deployBlock);
		const first = await scan(capped.client, 'pointers', { fromBlock, getLogs: pointerLogs(capped.client) });
		await spreadEvents([7], 2);
		capped.ranges.length = 0;
		const second = await scan(capped.client, 'pointers', { fromBlock, getLogs: pointerLogs(capped.client) });
		expect(second.logs.length).toBe(first.logs.length + 1);
		expect(second.logs.at(-1)!.args.owner).toBe(t.account(7).address);
		expect(capped.ranges.every(([from]) => from > first.lastBlock)).toBe(true);
		expect(capped.ranges.length).toBeGreaterThan(0);
	});

	it('halves the range and retries when the RPC says the range is too large', async () => {
		const capped = cappedClient();
		const fromBlock = BigInt(t.deployBlock);
		const toBlock = await t.publicClient.getBlockNumber({ cacheTime: 0 });
		const full = await pointerLogs(t.publicClient)({ fromBlock, toBlock });
		const progress: ScanProgress[] = [];
		const scan = await scanLogs(capped.client, { fromBlock, toBlock, blockRange: 10_000, getLogs: pointerLogs(capped.client), onProgress: (p) => progress.push(p) });
		expect(scan.logs.map(idOf)).toEqual(full.map(idOf));
		expect(capped.refused.length).toBeGreaterThan(0);
		expect(capped.ranges.every(([from, to]) => to - from + 1n <= MAX_RANGE)).toBe(true);
		expect(progress.at(-1)!.scanned).toBe(toBlock - fromBlock + 1n);
	});

	it('recognises the wording of public RPCs, and passes any other error through', async () => {
		for (const text of [
			'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size',
			'query returned more than 10000 results',
			'eth_getLogs is limited to a 10,000 range',
			'exceed maximum block range: 5000',
			'block range is too wide',
			'Block range too large'
		])
			expect(isRangeTooLarge(new Error('RPC Request failed', { cause: new Error(text) })), text).toBe(true);
		expect(isRangeTooLarge(Object.assign(new Error('limit'), { code: -32005 }))).toBe(true);
		expect(isRangeTooLarge(new Error('execution reverted'))).toBe(false);

		const broken = await scanLogs(t.publicClient, {
			fromBlock: 0n,
			toBlock: 20n,
			blockRange: 10,
			getLogs: () => Promise.reject(new Error('connection reset'))
		}).catch((err: unknown) => err);
		expect((broken as Error).message).toBe('connection reset');
	});

	it('list actions scan in the configured range: a patient’s proposals list through an RPC capped at 5 blocks', async () => {
		await mine(20);
		const capped = cappedClient('Block range is too large');
		const chain = createProviderChain({
			publicClient: capped.client,
			addresses: t.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex },
			fromBlock: BigInt(t.deployBlock),
			logScan: { blockRange: 1000 }
		});
		const unscoped = createProviderChain({ publicClient: capped.client, addresses: t.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex } });
		expect(await chain.listForPatient(t.account(3).address)).toEqual([]);
		expect(capped.refused.length).toBeGreaterThan(0);
		// From block 0 over an RPC that refuses wide ranges, still no error.
		await expect(unscoped.listForPatient(t.account(3).address)).resolves.toEqual([]);
		// One block refused is a real failure, mapped to a chain error.
		const tight = cappedClient();
		const impossible = createProviderChain({
			publicClient: createPublicClient({
				chain: t.chain,
				transport: custom({
					request: async ({ method, params }) => {
						if (method === 'eth_getLogs') throw Object.assign(new Error('Block range is too large'), { code: -32602 });
						return tight.client.request({ method, params } as never);
					}
				}, { retryCount: 0 })
			}),
			addresses: t.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex }
		});
		await expect(impossible.listForPatient(t.account(3).address)).rejects.toBeInstanceOf(ChainRequestFailedError);
	});
});
