/**
 * Gas per contract call on a real anvil, written to contracts/gas-report.json
 * (no timestamps: an unchanged contract leaves the file unchanged) and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CID as Cid } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { bytesToHex, hexToBytes, keccak256, parseSignature, toHex, zeroHash, type Abi, type Hex } from 'viem';
import { emergencyAccessAbi, grantsAbi, keyRegistryAbi, proposalsAbi, researchConsentAbi, vaultRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { deriveVaultKeys } from '../../src/lib/crypto/keys';
import { RECORD_CIPHER_ALG } from '../../src/lib/crypto/recordCipher';
import { BUNDLE_VERSION, sealGrantPointer, storeBundle, type GrantBundle, type SharedRecord } from '../../src/lib/vault/sharing/bundle';
import { grantCommitment } from '../../src/lib/vault/sharing/commitment';
import { ROOT } from '../../scripts/solc-build.mjs';
import { startGrantsTestChain, type GrantsTestChain } from './grantsTestChain';

let t: GrantsTestChain;
beforeAll(async () => {
	t = await startGrantsTestChain();
});
afterAll(async () => {
	await t?.stop();
});

// An encrypted index pointer as the vault makes it: 24-byte nonce + CIDv1 (59 chars) + 16-byte tag.
const POINTER_BYTES = 24 + 59 + 16;
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
// A sealed proposal as a provider makes it: sealed-box overhead (48) + CIDs, manifest hash, category, title, Ed25519 signature.
const PAYLOAD_BYTES = 512;
// A sealed access request: sealed-box overhead (48) + reason and categories as JSON.
const REQUEST_BYTES = 256;
// Emergency access: a share pointer sealed to a guardian (sealed-box overhead 48 + CIDv1), the scope
// pointer encrypted under the scope key (nonce 24 + CIDv1 + tag 16), a reason sealed to the patient
// and three guardians (4 sealed boxes of a 200-byte reason, length-prefixed).
const SHARE_POINTER_BYTES = 48 + 59;
const SCOPE_POINTER_BYTES = 24 + 59 + 16;
const REASON_BYTES = 4 * (2 + 48 + 200);
// Filled with one non-zero byte so calldata cost does not vary between calls.
const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));

async function gasOf(index: number, address: Hex, abi: Abi, functionName: string, args: readonly unknown[]): Promise<number> {
	return (await sent(index, address, abi, functionName, args)).gas;
}

async function sent(index: number, address: Hex, abi: Abi, functionName: string, args: readonly unknown[]) {
	const hash = await t.walletClient(index).writeContract({ address, abi, functionName, args } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	const { input } = await t.publicClient.getTransaction({ hash });
	return { gas: Number(receipt.gasUsed), zeroCalldataBytes: hexToBytes(input).filter((b) => b === 0).length };
}

/**
 * A grant's sealed pointer as the patient's browser makes it (Core's
 * storeBundle + sealGrantPointer) for a bundle of `count` records: the bundle
 * grows with the records, the pointer to it does not. IPFS is the only
 * stand-in: addBytes returns the blob's real CIDv1.
 */
async function pointerFor(count: number, granteeInbox: Uint8Array, patient: Hex, indexKey: Uint8Array) {
	let bundleBytes = 0;
	const blobs = {
		async addBytes(bytes: Uint8Array) {
			bundleBytes = bytes.length;
			return Cid.createV1(raw.code, await sha256.digest(bytes)).toString();
		},
		async pin() {}
	};
	const b64 = (n: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
	const records: SharedRecord[] = [];
	for (let i = 0; i < count; i++) {
		const cid = Cid.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`ciphertext ${i}`))).toString();
		records.push({
			id: `rec-${i}`,
			title: `Lisinopril 10 mg, refill ${i}`,
			category: 'medications',
			date: '2025-03-01',
			kind: 'file',
			attachments: [
				{
					id: `att-${i}`,
					name: `prescription-${i}.pdf`,
					type: 'application/pdf',
					size: 48_213,
					cid,
					chunk: 65_536,
					alg: RECORD_CIPHER_ALG,
					epoch: 0,
					capsule: b64(98),
					sealedKey: b64(48),
					cfrag: b64(359)
				}
			]
		});
	}
	const bundle: GrantBundle = {
		v: BUNDLE_VERSION,
		patient,
		grantee: patient,
		scope: { categories: ['medications'] },
		createdAt: '2025-03-01T00:00:00.000Z',
		verifyingPk: b64(33),
		keys: [{ category: 'medications', epoch: 0, delegatingPk: b64(33) }],
		receiver: { inbox: b64(32), umbral: b64(33) },
		records,
		salt: b64(32)
	};
	const pointer = await storeBundle(blobs, bundle);
	const { sealedPointer } = await sealGrantPointer(pointer, granteeInbox, { address: patient, indexKey });
	return { sealedPointer, commitment: await grantCommitment({ patient, grantee: patient, expiresAt: 0, bundle, pointer }), bundleBytes };
}

describe('gas report', () => {
	it('measures every write, keeps a batch anchor under 40,000 gas (a first commit under 60,000), a decision under 40,000 and a grant under 80,000 whatever its record count', async () => {
		const { keyRegistry, vaultRegistry } = t.config.contracts;
		const keys = (b: number) => [fill(b, 32), fill(b + 1, 32), bytesToHex(new Uint8Array(33).fill(b + 2).fill(2, 0, 1))] as const;
		// Every commit names the batch count it extends (compare-and-swap); each account counts its own.
		const batches = new Map<number, bigint>();
		const commit = async (index: number, n: number) => {
			const expected = batches.get(index) ?? 0n;
			batches.set(index, expected + 1n);
			return gasOf(index, vaultRegistry, vaultRegistryAbi, 'commitBatch', [expected, fill(n, 32), n, fill(n, POINTER_BYTES)]);
		};

		const calls: Record<string, number> = {
			'publishKeys (first)': await gasOf(1, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x10)),
			'publishKeys (replace)': await gasOf(1, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x20)),
			'setVaultPointer (first, 59-char CID)': await gasOf(1, vaultRegistry, vaultRegistryAbi, 'setVaultPointer', [zeroHash, CID]),
			'setVaultPointer (replace)': await gasOf(1, vaultRegistry, vaultRegistryAbi, 'setVaultPointer', [keccak256(toHex(CID)), CID.replace('a', 'b')]),
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

		// Grants: account 4 is the patient, 3 (a provider) the grantee.
		const { grants } = t.addresses;
		const patientKeys = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		const granteeKeys = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		const sealedFor = (count: number) => pointerFor(count, granteeKeys.inbox.publicKey, patient, patientKeys.index);
		const grantTx = async (p: { sealedPointer: Uint8Array; commitment: Hex }) =>
			sent(4, grants, grantsAbi, 'grant', [t.account(3).address, 0n, bytesToHex(p.sealedPointer), p.commitment]);
		const [one, thousand, first] = [await sealedFor(1), await sealedFor(1000), await sealedFor(1)];
		// The contract's very first grant also sets its id counter from zero, once.
		calls[`grant (first of the contract, ${first.sealedPointer.length}-byte sealed pointer)`] = (await grantTx(first)).gas;
		const g1 = await grantTx(one);
		const g1000 = await grantTx(thousand);
		calls['grant_gas_1'] = g1.gas;
		calls['grant_gas_1000'] = g1000.gas;
		calls['updatePointer'] = await gasOf(4, grants, grantsAbi, 'updatePointer', [1n, bytesToHex(thousand.sealedPointer), thousand.commitment]);
		calls['reportAccess'] = await gasOf(3, grants, grantsAbi, 'reportAccess', [1n, 12]);
		calls['revoke'] = await gasOf(4, grants, grantsAbi, 'revoke', [1n]);
		const ask = () => gasOf(3, grants, grantsAbi, 'requestAccess', [patient, fill(0x5a, REQUEST_BYTES)]);
		calls[`requestAccess (first of the contract, ${REQUEST_BYTES}-byte request)`] = await ask();
		calls[`requestAccess (${REQUEST_BYTES}-byte request)`] = await ask();
		calls['approveRequest (grant + answer, one call)'] = await gasOf(4, grants, grantsAbi, 'approveRequest', [1n, 0n, bytesToHex(one.sealedPointer), one.commitment]);
		calls['declineRequest'] = await gasOf(4, grants, grantsAbi, 'declineRequest', [2n]);

		// Research: account 5 registers as a researcher; account 4 (the patient) consents, releases again, withdraws.
		const researchConsent = t.config.contracts.researchConsent as Hex;
		await gasOf(5, keyRegistry, keyRegistryAbi, 'publishKeys', [fill(0x11, 32), fill(0x22, 32), fill(0x02, 33)]);
		await gasOf(5, keyRegistry, keyRegistryAbi, 'registerProvider', ['Study Centre', 5]);
		const endsAt = (await t.now()) + 365n * 86_400n;
		calls['registerStudy (first of the contract, 64-byte purpose)'] = await gasOf(5, researchConsent, researchConsentAbi, 'registerStudy', ['p'.repeat(64), 0b111, endsAt]);
		calls['registerStudy (64-byte purpose)'] = await gasOf(5, researchConsent, researchConsentAbi, 'registerStudy', ['p'.repeat(64), 0b111, endsAt]);
		calls[`giveConsent (with the first release, ${one.sealedPointer.length}-byte sealed pointer)`] = await gasOf(4, researchConsent, researchConsentAbi, 'giveConsent', [1n, bytesToHex(one.sealedPointer)]);
		calls['release (a later release)'] = await gasOf(4, researchConsent, researchConsentAbi, 'release', [1n, bytesToHex(one.sealedPointer)]);
		calls['withdrawConsent'] = await gasOf(4, researchConsent, researchConsentAbi, 'withdrawConsent', [1n]);
		// Emergency access: patient 4 names guardians 5, 6, 7 (threshold 2, one hour); provider 3 asks.
		const emergency = t.config.contracts.emergencyAccess as Hex;
		for (const g of [5, 6, 7]) await gasOf(g, keyRegistry, keyRegistryAbi, 'publishKeys', keys(0x50 + g));
		const guardians = [5, 6, 7].map((g) => t.account(g).address);
		const setUp = () =>
			gasOf(4, emergency, emergencyAccessAbi, 'setGuardians', [guardians, 2, 3600, fill(0xc3, 32), guardians.map((_, i) => fill(0x60 + i, SHARE_POINTER_BYTES)), fill(0x6f, SCOPE_POINTER_BYTES)]);
		calls['emergency setGuardians (first, 3 guardians)'] = await setUp();
		calls['emergency setGuardians (new epoch, 3 guardians)'] = await setUp();
		calls['emergency updateScope'] = await gasOf(4, emergency, emergencyAccessAbi, 'updateScope', [fill(0x70, SCOPE_POINTER_BYTES)]);
		const openRequest = () => gasOf(3, emergency, emergencyAccessAbi, 'openRequest', [patient, fill(0x71, REASON_BYTES)]);
		// The contract's very first request also sets its id counter from zero, once.
		calls[`emergency openRequest (first of the contract, ${REASON_BYTES}-byte reason)`] = await openRequest();
		const release = { open: await openRequest(), approve1: await gasOf(5, emergency, emergencyAccessAbi, 'approve', [1n]) };
		const approve2 = await gasOf(6, emergency, emergencyAccessAbi, 'approve', [1n]);
		await t.advanceTime(3600);
		const finalize = await gasOf(3, emergency, emergencyAccessAbi, 'finalize', [1n]);
		calls[`emergency openRequest (${REASON_BYTES}-byte reason)`] = release.open;
		calls['emergency approve (first)'] = release.approve1;
		calls['emergency approve (t-th: starts the waiting period)'] = approve2;
		calls['emergency finalize'] = finalize;
		calls['emergency release (share pointer sealed to the provider)'] = await gasOf(5, emergency, emergencyAccessAbi, 'release', [1n, fill(0x72, SHARE_POINTER_BYTES)]);
		calls['emergency_release_gas_total'] = release.open + release.approve1 + approve2 + finalize;
		// The same approvals as two EIP-712 signatures in one call, sent by the provider.
		await openRequest();
		const sign = async (g: number) => {
			const { r, s, v } = parseSignature(
				await t.account(g).signTypedData({
					domain: { name: 'Carevault EmergencyAccess', version: '1', chainId: t.chain.id, verifyingContract: emergency },
					types: { EmergencyApproval: [{ name: 'requestId', type: 'uint256' }, { name: 'patient', type: 'address' }, { name: 'epoch', type: 'uint32' }] },
					primaryType: 'EmergencyApproval',
					message: { requestId: 2n, patient, epoch: 2 }
				})
			);
			return { r, s, v: Number(v) };
		};
		calls['emergency approveWithSignatures (2 signatures, one call)'] = await gasOf(3, emergency, emergencyAccessAbi, 'approveWithSignatures', [2n, [await sign(5), await sign(7)]]);
		calls['emergency cancel'] = await gasOf(4, emergency, emergencyAccessAbi, 'cancel', [2n]);

		const report = {
			note: `gasUsed per transaction on anvil; index pointer ${POINTER_BYTES} bytes; proposal payload ${PAYLOAD_BYTES} bytes unless named. commitBatch rewrites one storage slot (accumulator, batch count, block of the latest event) and emits the Merkle root and the encrypted index pointer in BatchCommitted, so its gas does not depend on the record count. A proposal's payload lives only in its event.`,
			calls,
			commitBatchGasPerRecordAt100: Math.round((calls['commitBatch 100 records'] / 100) * 10) / 10,
			grant: {
				note: 'grant_gas_1 / grant_gas_1000: a grant whose bundle holds 1 or 1,000 records, pointer sealed by Core (storeBundle + sealGrantPointer). Only the pointer reaches the chain, in the Granted event; storage keeps one slot (patient, expiry, revoked bit, grantee tag). Gas differs only by calldata zero bytes (4 instead of 16 gas each) of the random ciphertext.',
				sealedPointerBytes: { records1: one.sealedPointer.length, records1000: thousand.sealedPointer.length },
				bundleBytes: { records1: one.bundleBytes, records1000: thousand.bundleBytes }
			}
		};
		writeFileSync(join(ROOT, 'contracts/gas-report.json'), JSON.stringify(report, null, '\t') + '\n');
		console.log('gas report (contracts/gas-report.json):\n' + JSON.stringify(report, null, 2));

		expect(calls['commitBatch 100 records']).toBe(calls['commitBatch 10 records']);
		expect(calls['commitBatch 100 records (first commit of a vault)']).toBe(calls['commitBatch 1 record (first commit of a vault)']);
		// Every add is a transaction the patient pays for: a batch anchor with its pointer
		// update and the compare-and-swap check, one slot rewritten and one event.
		expect(calls['commitBatch 1 record (first commit of a vault)']).toBeLessThanOrEqual(60_000);
		expect(calls['commitBatch 10 records']).toBeLessThanOrEqual(40_000);
		expect(calls['commitBatch 100 records']).toBeLessThanOrEqual(40_000);
		// Anchoring stays cheap per record with the compare-and-swap check in place.
		expect(report.commitBatchGasPerRecordAt100).toBeLessThan(1_000);
		expect(calls['accept']).toBeLessThan(40_000);
		expect(calls['reject']).toBeLessThan(40_000);

		// One grant costs the same for 1 or 1,000 records: same pointer size, same storage, same event.
		expect(thousand.bundleBytes).toBeGreaterThan(500 * one.bundleBytes);
		expect(thousand.sealedPointer.length).toBe(one.sealedPointer.length);
		expect(g1000.gas - g1.gas).toBe(12 * (g1.zeroCalldataBytes - g1000.zeroCalldataBytes));
		expect(Math.abs(g1000.gas - g1.gas)).toBeLessThan(300);
		expect(calls['grant_gas_1']).toBeLessThan(80_000);
		// Consent with its first release: one slot written, two events; withdrawal: one slot rewritten.
		expect(calls[`giveConsent (with the first release, ${one.sealedPointer.length}-byte sealed pointer)`]).toBeLessThan(70_000);
		expect(calls['withdrawConsent']).toBeLessThan(40_000);
		expect(calls['grant_gas_1000']).toBeLessThan(80_000);
		// An approval is a grant plus the answer, in one transaction: it stays under a grant's budget.
		expect(calls['approveRequest (grant + answer, one call)']).toBeLessThan(80_000);
		for (const call of ['updatePointer', 'revoke', 'declineRequest'] as const) expect(calls[call], call).toBeLessThan(50_000);
		// Break-glass: request + 2 approvals + finalize, each a small fixed cost (the reason lives in the event only).
		expect(calls['emergency_release_gas_total']).toBeLessThan(250_000);
		expect(calls['emergency approveWithSignatures (2 signatures, one call)']).toBeLessThan(release.approve1 + approve2);
		// An access report is one event and no storage write: cheap enough to send on every opening.
		expect(calls['reportAccess']).toBeLessThan(35_000);
	});
});
