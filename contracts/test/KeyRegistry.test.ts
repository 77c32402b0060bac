import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, parseEventLogs, type Hex } from 'viem';
import { keyRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';
import { expectRevert } from './expectRevert';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

const key = (fill: number, length = 32, first?: number) => {
	const bytes = new Uint8Array(length).fill(fill);
	if (first !== undefined) bytes[0] = first;
	return bytesToHex(bytes);
};

async function publish(index: number, inbox: Hex, signing: Hex, umbral: Hex) {
	const hash = await t.walletClient(index).writeContract({
		address: t.config.contracts.keyRegistry,
		abi: keyRegistryAbi,
		functionName: 'publishKeys',
		args: [inbox, signing, umbral]
	});
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

const keysOf = (owner: Hex) =>
	t.publicClient.readContract({ address: t.config.contracts.keyRegistry, abi: keyRegistryAbi, functionName: 'keysOf', args: [owner] });

const simulatePublish = (index: number, inbox: Hex, signing: Hex, umbral: Hex) =>
	t.publicClient.simulateContract({
		address: t.config.contracts.keyRegistry,
		abi: keyRegistryAbi,
		functionName: 'publishKeys',
		args: [inbox, signing, umbral],
		account: t.account(index)
	});

describe('KeyRegistry', () => {
	it('publishes the sender’s keys, emits KeysPublished, and keysOf returns them with the block time', async () => {
		const owner = t.account(1).address;
		const umbral = key(0x33, 33, 0x02);
		const receipt = await publish(1, key(0x11), key(0x22), umbral);

		const logs = parseEventLogs({ abi: keyRegistryAbi, logs: receipt.logs, eventName: 'KeysPublished' });
		expect(logs).toHaveLength(1);
		expect(logs[0].address).toBe(t.config.contracts.keyRegistry.toLowerCase());
		expect(logs[0].args).toEqual({ account: owner, inboxX25519: key(0x11), signingEd25519: key(0x22), umbralPublicKey: umbral });

		const block = await t.publicClient.getBlock({ blockNumber: receipt.blockNumber });
		expect(await keysOf(owner)).toEqual([key(0x11), key(0x22), umbral, block.timestamp]);
	});

	it('republishing replaces the keys (0x03 prefix too)', async () => {
		const owner = t.account(2).address;
		await publish(2, key(0x11), key(0x22), key(0x33, 33, 0x02));
		const umbral = key(0x66, 33, 0x03);
		await publish(2, key(0x44), key(0x55), umbral);
		const [inbox, signing, storedUmbral] = await keysOf(owner);
		expect([inbox, signing, storedUmbral]).toEqual([key(0x44), key(0x55), umbral]);
	});

	it('a sender writes only its own keys; another account’s stay as they were', async () => {
		await publish(3, key(0x01), key(0x02), key(0x03, 33, 0x02));
		const before = await keysOf(t.account(3).address);
		await publish(4, key(0x0a), key(0x0b), key(0x0c, 33, 0x03));
		expect(await keysOf(t.account(3).address)).toEqual(before);
		expect((await keysOf(t.account(4).address))[0]).toBe(key(0x0a));
	});

	it('an account that never published reads as all zero, empty and updatedAt 0', async () => {
		expect(await keysOf(t.account(9).address)).toEqual([key(0), key(0), '0x', 0n]);
	});

	it('rejects a zero inbox or signing key with KeyRegistryZeroKey()', async () => {
		await expectRevert(simulatePublish(5, key(0), key(0x22), key(0x33, 33, 0x02)), 'KeyRegistryZeroKey()', []);
		await expectRevert(simulatePublish(5, key(0x11), key(0), key(0x33, 33, 0x02)), 'KeyRegistryZeroKey()', []);
	});

	it('rejects an Umbral key that is not 33 bytes with KeyRegistryInvalidUmbralKeyLength(length)', async () => {
		for (const length of [0, 32, 34, 65]) {
			await expectRevert(simulatePublish(5, key(0x11), key(0x22), key(0x33, length, 0x02)), 'KeyRegistryInvalidUmbralKeyLength(uint256)', [
				BigInt(length)
			]);
		}
	});

	it('rejects an Umbral key that is not a compressed point with KeyRegistryInvalidUmbralKeyPrefix(prefix)', async () => {
		for (const prefix of [0x00, 0x04, 0xff]) {
			await expectRevert(simulatePublish(5, key(0x11), key(0x22), key(0x33, 33, prefix)), 'KeyRegistryInvalidUmbralKeyPrefix(bytes1)', [
				bytesToHex(new Uint8Array([prefix]))
			]);
		}
	});

	it('a reverted publication changes nothing', async () => {
		const owner = t.account(6).address;
		await publish(6, key(0x11), key(0x22), key(0x33, 33, 0x02));
		const before = await keysOf(owner);
		// Sent for real (fixed gas skips estimation) so the revert is mined, not just simulated.
		const hash = await t.walletClient(6).writeContract({
			address: t.config.contracts.keyRegistry,
			abi: keyRegistryAbi,
			functionName: 'publishKeys',
			args: [key(0x77), key(0x88), key(0x99, 32)],
			gas: 200_000n
		});
		expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');
		expect(await keysOf(owner)).toEqual(before);
	});
});
