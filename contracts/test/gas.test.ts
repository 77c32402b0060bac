/**
 * Gas per contract call on a real anvil, written to contracts/gas-report.json
 * (no timestamps: an unchanged contract leaves the file unchanged) and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, type Abi, type Hex } from 'viem';
import { keyRegistryAbi, vaultRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { ROOT } from '../../scripts/solc-build.mjs';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

// An encrypted index pointer as the vault makes it: 24-byte nonce + CIDv1 (59 chars) + 16-byte tag.
const POINTER_BYTES = 24 + 59 + 16;
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
// Filled with one non-zero byte so calldata cost does not vary between calls.
const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));

async function gasOf(index: number, address: Hex, abi: Abi, functionName: string, args: readonly unknown[]): Promise<number> {
	const hash = await t.walletClient(index).writeContract({ address, abi, functionName, args } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return Number(receipt.gasUsed);
}

describe('gas report', () => {
	it('measures every write and keeps a 100-record batch under 100,000 gas', async () => {
		const { keyRegistry, vaultRegistry } = t.config.contracts;
		const keys = (b: number) => [fill(b, 32), fill(b + 1, 32), bytesToHex(new Uint8Array(33).fill(b + 2).fill(2, 0, 1))] as const;
		const commit = (index: number, n: number) => gasOf(index, vaultRegistry, vaultRegistryAbi, 'commitBatch', [fill(n, 32), n, fill(n, POINTER_BYTES)]);

		const calls: Record<string, number> = {
			'publishKeys (first)': await gasOf(1, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x10)),
			'publishKeys (replace)': await gasOf(1, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x20)),
			'setVaultPointer (first, 59-char CID)': await gasOf(1, vaultRegistry, vaultRegistryAbi, 'setVaultPointer', [CID]),
			'setVaultPointer (replace)': await gasOf(1, vaultRegistry, vaultRegistryAbi, 'setVaultPointer', [CID.replace('a', 'b')]),
			// A vault's first commit writes its pointer words for the first time; later commits overwrite them.
			'commitBatch 1 record (first commit of a vault)': await commit(1, 1),
			'commitBatch 10 records': await commit(1, 10),
			'commitBatch 100 records': await commit(1, 100),
			'commitBatch 100 records (first commit of a vault)': await commit(2, 100)
		};
		const report = {
			note: `gasUsed per transaction on anvil; index pointer ${POINTER_BYTES} bytes. commitBatch stores one Merkle root per batch, so its gas does not depend on the record count.`,
			calls,
			commitBatchGasPerRecordAt100: Math.round((calls['commitBatch 100 records'] / 100) * 10) / 10
		};
		writeFileSync(join(ROOT, 'contracts/gas-report.json'), JSON.stringify(report, null, '\t') + '\n');
		console.log('gas report (contracts/gas-report.json):\n' + JSON.stringify(report, null, 2));

		expect(calls['commitBatch 100 records']).toBe(calls['commitBatch 10 records']);
		expect(calls['commitBatch 100 records (first commit of a vault)']).toBe(calls['commitBatch 1 record (first commit of a vault)']);
		expect(calls['commitBatch 100 records']).toBeLessThan(100_000);
	});
});
