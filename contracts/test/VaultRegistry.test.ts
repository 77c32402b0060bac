import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, encodeAbiParameters, keccak256, parseEventLogs, toHex, zeroHash, type Hex } from 'viem';
import { vaultRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';
import { expectRevert } from './expectRevert';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const bytes = (fill: number, length: number) => bytesToHex(new Uint8Array(length).fill(fill));
const root = (fill: number) => bytes(fill, 32);

type Call = { functionName: 'setVaultPointer'; args: readonly [Hex, string] } | { functionName: 'commitBatch'; args: readonly [bigint, Hex, number, Hex] };
/** What setVaultPointer expects for a stored pointer: keccak256 of its bytes. */
const hashOf = (cid: string) => keccak256(toHex(cid));

async function send(index: number, call: Call) {
	const hash = await t.walletClient(index).writeContract({ address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, ...call });
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

const view = <F extends 'vaultPointerOf' | 'batchCountOf'>(functionName: F, owner: Hex) =>
	t.publicClient.readContract({ address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, functionName, args: [owner] } as never) as Promise<
		F extends 'vaultPointerOf' ? string : bigint
	>;

const headOf = (owner: Hex) =>
	t.publicClient.readContract({ address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, functionName: 'headOf', args: [owner] });

/** The BatchCommitted event a reader finds from headOf alone: one eth_getLogs at the block storage names. */
async function latestCommit(owner: Hex) {
	const [count, lastBlock] = await headOf(owner);
	if (count === 0n) return null;
	const logs = await t.publicClient.getContractEvents({
		address: t.config.contracts.vaultRegistry,
		abi: vaultRegistryAbi,
		eventName: 'BatchCommitted',
		args: { owner, batch: count - 1n },
		fromBlock: lastBlock,
		toBlock: lastBlock,
		strict: true
	});
	expect(logs).toHaveLength(1);
	return logs[0].args;
}

/** The accumulator as the contract chains it, recomputed from the events alone. */
function nextHead(head: bigint, e: { root: Hex; count: number; encryptedIndexPointer: Hex }, batch: bigint, block: bigint): bigint {
	const word = BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes32' }, { type: 'uint32' }, { type: 'bytes32' }], [head, e.root, e.count, keccak256(e.encryptedIndexPointer)])));
	return ((word >> 96n) << 96n) | ((batch + 1n) << 48n) | block;
}

const simulate = (index: number, call: Call) =>
	t.publicClient.simulateContract({ address: t.config.contracts.vaultRegistry, abi: vaultRegistryAbi, account: t.account(index), ...call });

describe('VaultRegistry: vault pointer', () => {
	it('sets the sender’s pointer, emits VaultPointerSet, and replaces it when given the current one', async () => {
		const owner = t.account(1).address;
		expect(await view('vaultPointerOf', owner)).toBe('');
		const receipt = await send(1, { functionName: 'setVaultPointer', args: [zeroHash, CID] });
		const logs = parseEventLogs({ abi: vaultRegistryAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['VaultPointerSet', { owner, cid: CID }]]);
		expect(await view('vaultPointerOf', owner)).toBe(CID);

		const second = await send(1, { functionName: 'setVaultPointer', args: [hashOf(CID), 'bafy-second'] });
		expect(parseEventLogs({ abi: vaultRegistryAbi, logs: second.logs }).map((l) => [l.eventName, l.args])).toEqual([
			['VaultPointerSet', { owner, cid: 'bafy-second' }]
		]);
		expect(await view('vaultPointerOf', owner)).toBe('bafy-second');
	});

	it('never overwrites a pointer the sender did not expect: VaultRegistryPointerChanged(expected, actual), nothing changed', async () => {
		// Account 1 holds 'bafy-second' from the test above. A second "create" from a
		// stale view (it expects no vault) is refused.
		const owner = t.account(1).address;
		const current = 'bafy-second';
		await expectRevert(simulate(1, { functionName: 'setVaultPointer', args: [zeroHash, 'bafy-other-vault'] }), 'VaultRegistryPointerChanged(bytes32,bytes32)', [
			zeroHash,
			hashOf(current)
		]);
		// A replacement based on an older pointer.
		await expectRevert(
			simulate(1, { functionName: 'setVaultPointer', args: [hashOf('bafy-older'), 'bafy-newer'] }),
			'VaultRegistryPointerChanged(bytes32,bytes32)',
			[hashOf('bafy-older'), hashOf(current)]
		);
		// Expecting a pointer when there is none is refused too.
		await expectRevert(
			simulate(9, { functionName: 'setVaultPointer', args: [hashOf(CID), CID] }),
			'VaultRegistryPointerChanged(bytes32,bytes32)',
			[hashOf(CID), zeroHash]
		);
		// The same revert on a mined transaction leaves the pointer as it was.
		const hash = await t.walletClient(1).writeContract({
			address: t.config.contracts.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'setVaultPointer',
			args: [zeroHash, 'bafy-other-vault'],
			gas: 200_000n
		});
		expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');
		expect(await view('vaultPointerOf', owner)).toBe(current);
		expect(await view('vaultPointerOf', t.account(9).address)).toBe('');
	});

	it('another sender writes only its own pointer, and its pointer is not what another sender compares against', async () => {
		await send(2, { functionName: 'setVaultPointer', args: [zeroHash, 'bafy-two'] });
		await send(3, { functionName: 'setVaultPointer', args: [zeroHash, 'bafy-three'] });
		expect(await view('vaultPointerOf', t.account(2).address)).toBe('bafy-two');
		expect(await view('vaultPointerOf', t.account(3).address)).toBe('bafy-three');
		await expectRevert(simulate(3, { functionName: 'setVaultPointer', args: [hashOf('bafy-two'), 'bafy-x'] }), 'VaultRegistryPointerChanged(bytes32,bytes32)', [
			hashOf('bafy-two'),
			hashOf('bafy-three')
		]);
	});

	it('accepts 128 bytes; rejects empty with VaultRegistryEmptyVaultPointer() and 129 bytes with VaultRegistryVaultPointerTooLong(129, 128)', async () => {
		await send(4, { functionName: 'setVaultPointer', args: [zeroHash, 'b'.repeat(128)] });
		expect(await view('vaultPointerOf', t.account(4).address)).toBe('b'.repeat(128));
		const current = hashOf('b'.repeat(128));
		await expectRevert(simulate(4, { functionName: 'setVaultPointer', args: [current, ''] }), 'VaultRegistryEmptyVaultPointer()', []);
		await expectRevert(simulate(4, { functionName: 'setVaultPointer', args: [current, 'b'.repeat(129)] }), 'VaultRegistryVaultPointerTooLong(uint256,uint256)', [
			129n,
			128n
		]);
	});
});

describe('VaultRegistry: commitBatch', () => {
	it('anchors the batch and moves the index pointer in one transaction: one event, one storage slot a reader starts from', async () => {
		const owner = t.account(5).address;
		expect(await headOf(owner)).toEqual([0n, 0n, bytesToHex(new Uint8Array(20))]);
		expect(await view('batchCountOf', owner)).toBe(0n);
		expect(await latestCommit(owner)).toBeNull();

		const pointer = bytes(0xab, 99);
		const receipt = await send(5, { functionName: 'commitBatch', args: [0n, root(0x11), 3, pointer] });
		const logs = parseEventLogs({ abi: vaultRegistryAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([
			['BatchCommitted', { owner, batch: 0n, root: root(0x11), count: 3, previousBlock: 0n, encryptedIndexPointer: pointer }]
		]);
		expect(await view('batchCountOf', owner)).toBe(1n);
		expect((await headOf(owner)).slice(0, 2)).toEqual([1n, receipt.blockNumber]);
		expect(await latestCommit(owner)).toEqual({ owner, batch: 0n, root: root(0x11), count: 3, previousBlock: 0n, encryptedIndexPointer: pointer });

		const second = await send(5, { functionName: 'commitBatch', args: [1n, root(0x22), 100, bytes(0xcd, 64)] });
		const [committed] = parseEventLogs({ abi: vaultRegistryAbi, logs: second.logs, eventName: 'BatchCommitted' });
		// Each event names the block of the batch before it: a reader walks back from storage.
		expect(committed.args).toEqual({ owner, batch: 1n, root: root(0x22), count: 100, previousBlock: receipt.blockNumber, encryptedIndexPointer: bytes(0xcd, 64) });
		expect(await view('batchCountOf', owner)).toBe(2n);
		expect((await latestCommit(owner))?.encryptedIndexPointer).toBe(bytes(0xcd, 64));

		// The accumulator chains both events: recomputed from them, it matches storage bit for bit.
		let head = 0n;
		head = nextHead(head, { root: root(0x11), count: 3, encryptedIndexPointer: pointer }, 0n, receipt.blockNumber);
		head = nextHead(head, { root: root(0x22), count: 100, encryptedIndexPointer: bytes(0xcd, 64) }, 1n, second.blockNumber);
		const [count, lastBlock, accumulator] = await headOf(owner);
		expect(count).toBe(2n);
		expect(lastBlock).toBe(second.blockNumber);
		expect(accumulator).toBe(toHex(head >> 96n, { size: 20 }));
		// Another root in the first event would give another accumulator.
		const forged = nextHead(nextHead(0n, { root: root(0x12), count: 3, encryptedIndexPointer: pointer }, 0n, receipt.blockNumber), { root: root(0x22), count: 100, encryptedIndexPointer: bytes(0xcd, 64) }, 1n, second.blockNumber);
		expect(toHex(forged >> 96n, { size: 20 })).not.toBe(accumulator);
	});

	it('emits exactly the pointer given, for lengths 1 to 256, shorter after longer included', async () => {
		const owner = t.account(6).address;
		for (const [i, length] of [256, 1, 31, 32, 33, 255, 64, 2].entries()) {
			const pointer = bytesToHex(Uint8Array.from({ length }, (_, j) => (j * 7 + i + 1) & 0xff));
			await send(6, { functionName: 'commitBatch', args: [BigInt(i), root(i + 1), 1, pointer] });
			expect((await latestCommit(owner))?.encryptedIndexPointer).toBe(pointer);
		}
	});

	it('another sender commits only to its own vault', async () => {
		await send(7, { functionName: 'commitBatch', args: [0n, root(0x71), 7, bytes(0x77, 40)] });
		await send(8, { functionName: 'commitBatch', args: [0n, root(0x81), 8, bytes(0x88, 50)] });
		// Each sender has its own count: after its one commit, 0 is stale for 8 whatever 7 did.
		await expectRevert(simulate(8, { functionName: 'commitBatch', args: [0n, root(0x82), 1, bytes(0x88, 50)] }), 'VaultRegistryStaleBatch(uint256,uint256)', [0n, 1n]);
		expect(await view('batchCountOf', t.account(7).address)).toBe(1n);
		expect(await latestCommit(t.account(7).address)).toMatchObject({ root: root(0x71), count: 7, encryptedIndexPointer: bytes(0x77, 40) });
		expect(await latestCommit(t.account(8).address)).toMatchObject({ root: root(0x81), count: 8, encryptedIndexPointer: bytes(0x88, 50) });
	});

	it('rejects invalid input with the matching custom error', async () => {
		const commit = (r: Hex, count: number, pointer: Hex) => simulate(9, { functionName: 'commitBatch', args: [0n, r, count, pointer] });
		await expectRevert(commit(root(0), 1, bytes(1, 10)), 'VaultRegistryZeroRoot()', []);
		await expectRevert(commit(root(1), 0, bytes(1, 10)), 'VaultRegistryEmptyBatch()', []);
		await expectRevert(commit(root(1), 1, '0x'), 'VaultRegistryEmptyIndexPointer()', []);
		await expectRevert(commit(root(1), 1, bytes(1, 257)), 'VaultRegistryIndexPointerTooLong(uint256,uint256)', [257n, 256n]);
		expect(await view('batchCountOf', t.account(9).address)).toBe(0n);
	});

	it('refuses a commit based on a stale batch count with VaultRegistryStaleBatch(expected, actual): the newer index stays', async () => {
		const owner = t.account(7).address;
		const first = bytes(0xa1, 99);
		await send(7, { functionName: 'commitBatch', args: [1n, root(0xa1), 2, first] });
		const before = await headOf(owner);
		// A second tab that read the vault before that commit still expects 1.
		await expectRevert(simulate(7, { functionName: 'commitBatch', args: [1n, root(0xb1), 1, bytes(0xb1, 99)] }), 'VaultRegistryStaleBatch(uint256,uint256)', [1n, 2n]);
		// Ahead of the chain is as wrong as behind it.
		await expectRevert(simulate(7, { functionName: 'commitBatch', args: [5n, root(0xb1), 1, bytes(0xb1, 99)] }), 'VaultRegistryStaleBatch(uint256,uint256)', [5n, 2n]);
		const hash = await t.walletClient(7).writeContract({
			address: t.config.contracts.vaultRegistry,
			abi: vaultRegistryAbi,
			functionName: 'commitBatch',
			args: [1n, root(0xb1), 1, bytes(0xb1, 99)],
			gas: 200_000n
		});
		const reverted = await t.publicClient.waitForTransactionReceipt({ hash });
		expect(reverted.status).toBe('reverted');
		expect(reverted.logs).toEqual([]);
		expect(await headOf(owner)).toEqual(before);
		expect(await latestCommit(owner)).toMatchObject({ batch: 1n, root: root(0xa1), count: 2, encryptedIndexPointer: first });

		// After merging with the newer index, the retry expects 2 and lands as batch 2.
		const merged = bytes(0xc1, 99);
		const receipt = await send(7, { functionName: 'commitBatch', args: [2n, root(0xc1), 1, merged] });
		expect(parseEventLogs({ abi: vaultRegistryAbi, logs: receipt.logs }).map((l) => [l.eventName, l.args])).toEqual([
			['BatchCommitted', { owner, batch: 2n, root: root(0xc1), count: 1, previousBlock: before[1], encryptedIndexPointer: merged }]
		]);
		expect((await latestCommit(owner))?.encryptedIndexPointer).toBe(merged);
	});
});
