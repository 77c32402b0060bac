/**
 * The chain-event reader against a real anvil: bounded ranges, block times,
 * and the cursor kept sealed on this device so that a second visit (a new
 * page, nothing in memory) asks the RPC only for the blocks mined since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, custom, hexToBigInt, http, type Hex } from 'viem';
import { getContractEvents } from 'viem/actions';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { vaultRegistryAbi } from './contracts.generated';
import { createVaultChain } from './vaultChain';
import { firstBlockAtOrAfter, readEvents } from './events';
import { sealedEventCache } from '../vault/audit/eventCache';
import { deriveVaultKeys } from '../crypto/keys';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

const mine = (blocks: number) => t.publicClient.request({ method: 'anvil_mine' as never, params: [`0x${blocks.toString(16)}`] as never });

async function setPointers(accounts: number[], gap: number): Promise<void> {
	for (const index of accounts) {
		await mine(gap);
		await createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account: t.account(index), addresses: t.config.contracts }).setVaultPointer(
			`bafy-events-${index}`,
			null
		);
	}
}

/** A fresh page's client (nothing in memory: a custom transport has no URL to share cursors by), counting what it asks. */
function countingClient() {
	const upstream = http(t.rpcUrl, { retryCount: 0 })({ chain: t.chain, retryCount: 0 });
	const ranges: Array<[bigint, bigint]> = [];
	let blocks = 0;
	const transport = custom(
		{
			async request({ method, params }: { method: string; params?: unknown }) {
				if (method === 'eth_getLogs') {
					const [filter] = params as [{ fromBlock: Hex; toBlock: Hex }];
					ranges.push([hexToBigInt(filter.fromBlock), hexToBigInt(filter.toBlock)]);
				}
				if (method === 'eth_getBlockByNumber') blocks++;
				return upstream.request({ method, params } as never);
			}
		},
		{ retryCount: 0 }
	);
	return { publicClient: createPublicClient({ chain: t.chain, transport }), ranges, blocks: () => blocks };
}

const query = (publicClient: ReturnType<typeof countingClient>['publicClient']) => (range: { fromBlock: bigint; toBlock: bigint }) =>
	getContractEvents(publicClient, { address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, eventName: 'VaultPointerSet', ...range, strict: true });

const vaultOf = async (seed: number) => ({ address: t.account(1).address, keys: await deriveVaultKeys(new Uint8Array(32).fill(seed)) });

describe('readEvents', () => {
	it('a second visit with the sealed cache reads only the blocks after the cursor, with the same logs and block times', async () => {
		await setPointers([1, 2, 3], 4);
		const local = memoryLocal();
		const cache = sealedEventCache(local);
		cache.open(await vaultOf(1));
		const fromBlock = BigInt(t.deployBlock);

		const first = countingClient();
		const one = await readEvents({ publicClient: first.publicClient, logScan: { blockRange: 4, cache } }, ['pointers'], {
			fromBlock,
			timestamps: true,
			getLogs: query(first.publicClient)
		});
		expect(one.logs.map((l) => l.args.cid)).toEqual(['bafy-events-1', 'bafy-events-2', 'bafy-events-3']);
		for (const log of one.logs) expect(log.blockTimestamp).toBe(Number((await t.publicClient.getBlock({ blockNumber: log.blockNumber })).timestamp));
		// Bounded ranges from the deploy block on.
		expect(first.ranges[0][0]).toBe(fromBlock);
		expect(first.ranges.every(([a, b]) => b - a + 1n <= 4n)).toBe(true);

		await setPointers([4], 3);
		const second = countingClient();
		const two = await readEvents({ publicClient: second.publicClient, logScan: { blockRange: 4, cache } }, ['pointers'], {
			fromBlock,
			timestamps: true,
			getLogs: query(second.publicClient)
		});
		expect(two.logs.map((l) => l.args.cid)).toEqual(['bafy-events-1', 'bafy-events-2', 'bafy-events-3', 'bafy-events-4']);
		expect(two.logs.slice(0, 3)).toEqual(one.logs);
		expect(second.ranges.length).toBeGreaterThan(0);
		expect(second.ranges.every(([a]) => a > one.lastBlock)).toBe(true);
		// Old blocks' times came from the cache: at most one block read, for the one new log (anvil puts blockTimestamp in logs: none).
		expect(second.blocks()).toBeLessThanOrEqual(1);
	});

	it('keeps nothing readable on the device, and another vault (or no open vault) scans from the start', async () => {
		const local = memoryLocal();
		const stored: Uint8Array[] = [];
		const spy = { ...local, put: async (k: string, v: Uint8Array) => (stored.push(v), local.put(k, v)) };
		const cache = sealedEventCache(spy);
		cache.open(await vaultOf(2));
		const fromBlock = BigInt(t.deployBlock);
		const a = countingClient();
		await readEvents({ publicClient: a.publicClient, logScan: { cache } }, ['pointers-b'], { fromBlock, getLogs: query(a.publicClient) });
		expect(stored.length).toBe(1);
		const text = new TextDecoder().decode(stored[0]);
		expect(text).not.toContain('bafy-events');
		expect(text.toLowerCase()).not.toContain(t.account(1).address.slice(2).toLowerCase());

		cache.open(await vaultOf(3));
		const b = countingClient();
		await readEvents({ publicClient: b.publicClient, logScan: { cache } }, ['pointers-b'], { fromBlock, getLogs: query(b.publicClient) });
		expect(b.ranges[0][0]).toBe(fromBlock);

		const keys = await vaultOf(2);
		cache.open(keys);
		cache.close();
		const c = countingClient();
		await readEvents({ publicClient: c.publicClient, logScan: { cache } }, ['pointers-b'], { fromBlock, getLogs: query(c.publicClient) });
		expect(c.ranges[0][0]).toBe(fromBlock);
	});

	it('finds the first block at or after a time (where a grant expiry falls)', async () => {
		const to = await t.publicClient.getBlockNumber({ cacheTime: 0 });
		const from = BigInt(t.deployBlock);
		const target = to - 3n;
		const time = Number((await t.publicClient.getBlock({ blockNumber: target })).timestamp);
		const found = await firstBlockAtOrAfter(t.publicClient, time, { fromBlock: from, toBlock: to });
		expect(found).not.toBeNull();
		expect(Number((await t.publicClient.getBlock({ blockNumber: found!.blockNumber })).timestamp)).toBeGreaterThanOrEqual(time);
		if (found!.blockNumber > from) expect(Number((await t.publicClient.getBlock({ blockNumber: found!.blockNumber - 1n })).timestamp)).toBeLessThan(time);
		expect(await firstBlockAtOrAfter(t.publicClient, time + 10_000, { fromBlock: from, toBlock: to })).toBeNull();
	});
});
