/**
 * The viem VaultChain adapter end to end against a real anvil with the
 * deployed contracts: round trips, and each failure mapped to its error.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, createPublicClient, createWalletClient, custom, http, keccak256, toHex, type Hex } from 'viem';
import { vaultRegistryAbi } from './contracts.generated';
import { IndexChangedElsewhereError, VaultPointerChangedError } from '../vault/errors';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { deriveVaultKeys, publicKeysOf } from '../crypto/keys';
import { createVaultChain } from './vaultChain';
import { readKeys } from './actions/readKeys';
import {
	ChainUnreachableError,
	ContractsMissingError,
	InvalidChainInputError,
	TransactionFailedError,
	WrongChainError
} from './errors';
import { WalletCancelledError } from '../vault/walletErrors';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

/** The adapter for dev account `index`, sending with a local (private key) account. */
const chainFor = (index: number, addresses = t.config.contracts) =>
	createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account: t.account(index), addresses });

/**
 * A wallet like MetaMask: a JSON-RPC account (anvil's unlocked dev account)
 * behind an EIP-1193 `request`, which can refuse to send or report another chain.
 */
function injectedWallet(index: number, behaviour: { reject?: boolean; chainId?: number; beforeSend?: () => Promise<void> } = {}) {
	const upstream = http(t.rpcUrl, { retryCount: 0 })({ chain: t.chain, retryCount: 0 });
	const requests: string[] = [];
	const transport = custom({
		async request({ method, params }: { method: string; params?: unknown }) {
			requests.push(method);
			if (method === 'eth_sendTransaction' && behaviour.reject) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
			if (method === 'eth_sendTransaction') await behaviour.beforeSend?.();
			if (method === 'eth_chainId' && behaviour.chainId) return toHex(behaviour.chainId);
			return upstream.request({ method, params } as never);
		}
	});
	const address = t.account(index).address;
	const walletClient = createWalletClient({ chain: t.chain, transport, account: address });
	return {
		requests,
		chain: createVaultChain({ publicClient: t.publicClient, walletClient, account: address, addresses: t.config.contracts, chainId: t.config.chainId })
	};
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => new Error('expected a rejection'),
		(err: unknown) => err
	);
}

async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

const root = (label: string) => keccak256(toHex(label));

describe('createVaultChain (viem, real anvil)', () => {
	it('publishes real vault keys and reads them back; unknown accounts read as null', async () => {
		const chain = chainFor(1);
		const owner = t.account(1).address;
		expect(await chain.readKeys(owner)).toBeNull();
		const keys = publicKeysOf(await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32))));
		const hash = await chain.publishKeys(keys);
		expect((await t.publicClient.getTransactionReceipt({ hash })).status).toBe('success');
		expect(await chain.readKeys(owner)).toEqual(keys);
		const detailed = await readKeys({ publicClient: t.publicClient, addresses: t.config.contracts }, { owner });
		expect(detailed?.updatedAt).toBeGreaterThan(0);
	});

	it('sets and reads the vault pointer (null before)', async () => {
		const chain = chainFor(2);
		const owner = t.account(2).address;
		expect(await chain.readVaultPointer(owner)).toBeNull();
		await chain.setVaultPointer('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', null);
		expect(await chain.readVaultPointer(owner)).toBe('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
		// Compare-and-swap: a write that expects no vault, or another pointer, is refused.
		const second = await rejection(chain.setVaultPointer('bafy-second-vault', null));
		expect(second).toBeInstanceOf(VaultPointerChangedError);
		expect((second as VaultPointerChangedError).cause).toMatchObject({ errorName: 'VaultRegistryPointerChanged' });
		expect(await rejection(chain.setVaultPointer('bafy-x', 'bafy-not-current'))).toBeInstanceOf(VaultPointerChangedError);
		expect(await chain.readVaultPointer(owner)).toBe('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
		await chain.setVaultPointer('bafy-replaced', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
		expect(await chain.readVaultPointer(owner)).toBe('bafy-replaced');
	});

	it('commits a batch and reads the encrypted index pointer back (null before)', async () => {
		const chain = chainFor(3);
		const owner = t.account(3).address;
		expect(await chain.readIndexPointer(owner)).toBeNull();
		const pointer = crypto.getRandomValues(new Uint8Array(99));
		const hash = await chain.commitBatch({ expectedBatchCount: 0, root: root('batch 0'), count: 100, encryptedIndexPointer: pointer });
		expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
		expect(await chain.readIndexPointer(owner)).toEqual(pointer);
		const shorter = crypto.getRandomValues(new Uint8Array(40));
		await chain.commitBatch({ expectedBatchCount: 1, root: root('batch 1'), count: 1, encryptedIndexPointer: shorter });
		expect(await chain.readIndexPointer(owner)).toEqual(shorter);

		// A tab still at batch 1 is refused with the use cases' error, carrying both counts.
		const stale = await rejection(chain.commitBatch({ expectedBatchCount: 1, root: root('stale'), count: 1, encryptedIndexPointer: pointer }));
		expect(stale).toBeInstanceOf(IndexChangedElsewhereError);
		expect(stale).toMatchObject({ expected: 1, actual: 2 });
		expect(await chain.readIndexPointer(owner)).toEqual(shorter);

		// Each batch's root is found again from storage alone, walking back event by event.
		// With the block whose BatchCommitted event holds the root ("anchored in batch N at block B").
		const mined = async (h: `0x${string}`) => (await t.publicClient.getTransactionReceipt({ hash: h })).blockNumber;
		expect(await chain.readBatchAnchor(owner, 0)).toEqual({ root: root('batch 0'), count: 100, block: await mined(hash) });
		expect(await chain.readBatchAnchor(owner, 1)).toMatchObject({ root: root('batch 1'), count: 1 });
		expect((await chain.readBatchAnchor(owner, 1))!.block).toBeGreaterThan(await mined(hash));
		expect(await chain.readBatchAnchor(owner, 2)).toBeNull();
		expect(await chain.readBatchAnchor(t.account(9).address, 0)).toBeNull();
	});

	it('a commit that loses the race after its simulation (mined, reverted) is IndexChangedElsewhereError too', async () => {
		const owner = t.account(3).address;
		const count = Number(
			await t.publicClient.readContract({ address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, functionName: 'batchCountOf', args: [owner] })
		);
		const other = crypto.getRandomValues(new Uint8Array(99));
		// Another device's commit lands between this tab's simulation and its send.
		const wallet = injectedWallet(3, {
			beforeSend: async () => {
				const hash = await t.walletClient(3).writeContract({
					address: t.config.contracts.vaultRegistry,
					abi: vaultRegistryAbi,
					functionName: 'commitBatch',
					args: [BigInt(count), root('other device'), 1, bytesToHex(other)]
				});
				await t.publicClient.waitForTransactionReceipt({ hash });
			}
		});
		const err = await rejection(wallet.chain.commitBatch({ expectedBatchCount: count, root: root('this tab'), count: 1, encryptedIndexPointer: new Uint8Array(99).fill(5) }));
		expect(err).toBeInstanceOf(IndexChangedElsewhereError);
		expect(err).toMatchObject({ expected: count, actual: count + 1 });
		expect(wallet.requests).toContain('eth_sendTransaction');
		expect(await wallet.chain.readIndexPointer(owner)).toEqual(other);
	});

	it('a revert becomes TransactionFailedError naming the custom error, and nothing changes', async () => {
		const chain = chainFor(4);
		const owner = t.account(4).address;
		const empty = await rejection(chain.commitBatch({ expectedBatchCount: 0, root: root('x'), count: 0, encryptedIndexPointer: new Uint8Array(10).fill(1) }));
		expect(empty).toBeInstanceOf(TransactionFailedError);
		expect((empty as TransactionFailedError).errorName).toBe('VaultRegistryEmptyBatch');
		expect((empty as TransactionFailedError).details).toContain('VaultRegistryEmptyBatch');

		const tooLong = await rejection(chain.setVaultPointer('b'.repeat(129), null));
		expect(tooLong).toBeInstanceOf(TransactionFailedError);
		expect((tooLong as TransactionFailedError).errorName).toBe('VaultRegistryVaultPointerTooLong');
		expect((tooLong as TransactionFailedError).errorArgs).toEqual([129n, 128n]);

		const umbral = new Uint8Array(33).fill(9);
		umbral[0] = 0x04;
		const badKey = await rejection(chain.publishKeys({ inbox: new Uint8Array(32).fill(1), signing: new Uint8Array(32).fill(2), umbral }));
		expect((badKey as TransactionFailedError).errorName).toBe('KeyRegistryInvalidUmbralKeyPrefix');

		expect(await chain.readIndexPointer(owner)).toBeNull();
		expect(await chain.readVaultPointer(owner)).toBeNull();
	});

	it('wrong-sized keys are refused before anything is sent', async () => {
		const err = await rejection(
			chainFor(4).publishKeys({ inbox: new Uint8Array(31), signing: new Uint8Array(32), umbral: new Uint8Array(33) })
		);
		expect(err).toBeInstanceOf(InvalidChainInputError);
	});

	it('an unreachable RPC becomes ChainUnreachableError naming the URL, for reads and writes', async () => {
		const url = `http://127.0.0.1:${await closedPort()}`;
		const transport = http(url, { retryCount: 0 });
		const publicClient = createPublicClient({ chain: t.chain, transport });
		const walletClient = createWalletClient({ chain: t.chain, transport, account: t.account(5) });
		const chain = createVaultChain({ publicClient, walletClient, account: t.account(5), addresses: t.config.contracts });

		const readErr = await rejection(chain.readVaultPointer(t.account(5).address));
		expect(readErr).toBeInstanceOf(ChainUnreachableError);
		expect((readErr as ChainUnreachableError).shortMessage).toBe(
			`Cannot reach the blockchain at ${url}. Check your connection; on a development machine, is the local chain running (npm start)?`
		);
		const writeErr = await rejection(chain.setVaultPointer('bafy-x', null));
		expect(writeErr).toBeInstanceOf(ChainUnreachableError);
	});

	it('an injected wallet works, and its user rejection (4001) becomes WalletCancelledError (cancelled)', async () => {
		const ok = injectedWallet(6);
		await ok.chain.setVaultPointer('bafy-from-wallet', null);
		expect(ok.requests).toContain('eth_sendTransaction');
		expect(await ok.chain.readVaultPointer(t.account(6).address)).toBe('bafy-from-wallet');

		const refusing = injectedWallet(6, { reject: true });
		const err = await rejection(refusing.chain.commitBatch({ expectedBatchCount: 0, root: root('r'), count: 1, encryptedIndexPointer: new Uint8Array(99).fill(3) }));
		expect(err).toBeInstanceOf(WalletCancelledError);
		expect((err as WalletCancelledError).cancelled).toBe(true);
		expect((err as WalletCancelledError).shortMessage).toMatch(/^Cancelled/);
		expect(refusing.requests).toContain('eth_sendTransaction');
		expect(await refusing.chain.readIndexPointer(t.account(6).address)).toBeNull();
	});

	it('a wallet on another chain gets WrongChainError before it is asked to sign', async () => {
		const wallet = injectedWallet(7, { chainId: 1 });
		const err = await rejection(wallet.chain.setVaultPointer('bafy-y', null));
		expect(err).toBeInstanceOf(WrongChainError);
		expect(err).toMatchObject({ actualChainId: 1, expectedChainId: 31337 });
		expect(wallet.requests).not.toContain('eth_sendTransaction');
	});

	it('addresses without contract code give ContractsMissingError, for reads and writes', async () => {
		const nowhere = { keyRegistry: t.account(8).address as Hex, vaultRegistry: t.account(9).address as Hex };
		const chain = chainFor(8, nowhere);
		const readErr = await rejection(chain.readVaultPointer(t.account(8).address));
		expect(readErr).toBeInstanceOf(ContractsMissingError);
		expect((readErr as ContractsMissingError).shortMessage).toMatch(/^The Carevault contracts are not deployed on this chain/);
		const writeErr = await rejection(chain.commitBatch({ expectedBatchCount: 0, root: root('z'), count: 1, encryptedIndexPointer: new Uint8Array(5).fill(1) }));
		expect(writeErr).toBeInstanceOf(ContractsMissingError);
		expect((writeErr as ContractsMissingError).address).toBe(nowhere.vaultRegistry);
	});
});
