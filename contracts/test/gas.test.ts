/**
 * Gas per contract call on a real anvil, written to contracts/gas-report.json
 * (no timestamps: an unchanged contract leaves the file unchanged) and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, type Abi, type Hex } from 'viem';
import { keyRegistryAbi, proposalsAbi, vaultRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { ROOT } from '../../scripts/solc-build.mjs';
import { startProposalsTestChain, type ProposalsTestChain } from './proposalsTestChain';

let t: ProposalsTestChain;
beforeAll(async () => {
	t = await startProposalsTestChain();
});
afterAll(async () => {
	await t?.stop();
});

// An encrypted index pointer as the vault makes it: 24-byte nonce + CIDv1 (59 chars) + 16-byte tag.
const POINTER_BYTES = 24 + 59 + 16;
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
// A sealed proposal as a provider makes it: sealed-box overhead (48) + CIDs, manifest hash, category, title, Ed25519 signature.
const PAYLOAD_BYTES = 512;
// Filled with one non-zero byte so calldata cost does not vary between calls.
const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));

async function gasOf(index: number, address: Hex, abi: Abi, functionName: string, args: readonly unknown[]): Promise<number> {
	const hash = await t.walletClient(index).writeContract({ address, abi, functionName, args } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return Number(receipt.gasUsed);
}

describe('gas report', () => {
	it('measures every write, keeps a 100-record batch under 100,000 gas and a decision under 40,000', async () => {
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
		const { proposals } = t.addresses;
		// Account 3 is a provider, 4 a patient; both publish keys first.
		await gasOf(3, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x30));
		await gasOf(4, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x40));
		const patient = t.account(4).address;
		const propose = () => gasOf(3, proposals, proposalsAbi, 'propose', [patient, fill(0x5a, PAYLOAD_BYTES)]);
		calls['registerProvider (first, 14-byte name)'] = await gasOf(3, keyRegistry, keyRegistryAbi, 'registerProvider', ['Dr. Ada Moreau', 0]);
		calls['registerProvider (update, 14-byte name)'] = await gasOf(3, keyRegistry, keyRegistryAbi, 'registerProvider', ['Dr. Ada Morel', 0]);
		calls['registerProvider (first, 64-byte name)'] = await gasOf(1, keyRegistry, keyRegistryAbi, 'registerProvider', ['m'.repeat(64), 1]);
		// The contract's very first proposal also sets its id counter from zero, once.
		calls[`propose (first of the contract, ${PAYLOAD_BYTES}-byte payload)`] = await propose();
		calls[`propose (${PAYLOAD_BYTES}-byte payload)`] = await propose();
		calls['propose (8192-byte payload)'] = await gasOf(3, proposals, proposalsAbi, 'propose', [patient, fill(0x5a, 8192)]);
		calls['accept'] = await gasOf(4, proposals, proposalsAbi, 'accept', [0n, fill(0x77, 32)]);
		calls['reject'] = await gasOf(4, proposals, proposalsAbi, 'reject', [1n]);

		const report = {
			note: `gasUsed per transaction on anvil; index pointer ${POINTER_BYTES} bytes; proposal payload ${PAYLOAD_BYTES} bytes unless named. commitBatch stores one Merkle root per batch, so its gas does not depend on the record count. A proposal's payload lives only in its event.`,
			calls,
			commitBatchGasPerRecordAt100: Math.round((calls['commitBatch 100 records'] / 100) * 10) / 10
		};
		writeFileSync(join(ROOT, 'contracts/gas-report.json'), JSON.stringify(report, null, '\t') + '\n');
		console.log('gas report (contracts/gas-report.json):\n' + JSON.stringify(report, null, 2));

		expect(calls['commitBatch 100 records']).toBe(calls['commitBatch 10 records']);
		expect(calls['commitBatch 100 records (first commit of a vault)']).toBe(calls['commitBatch 1 record (first commit of a vault)']);
		expect(calls['commitBatch 100 records']).toBeLessThan(100_000);
		expect(calls['accept']).toBeLessThan(40_000);
		expect(calls['reject']).toBeLessThan(40_000);
	});
});
