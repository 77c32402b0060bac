/** Proposals: providers propose sealed payloads, only the addressed patient decides, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, keccak256, parseEventLogs, toHex, zeroAddress, zeroHash, type Address, type Hex } from 'viem';
import { keyRegistryAbi, proposalsAbi } from '../../src/lib/chain/contracts.generated';
import { expectRevert } from './expectRevert';
import { startGrantsTestChain, type GrantsTestChain } from './grantsTestChain';

let t: GrantsTestChain;

// Dev accounts by part: 1 and 2 providers, 3 and 4 patients (keys only),
// 5 has keys but never registered as a provider, 6 has nothing at all.
const PROVIDER = 1;
const PROVIDER_2 = 2;
const PATIENT = 3;
const PATIENT_2 = 4;
const KEYS_ONLY = 5;
const NOBODY = 6;
const PENDING = 1;
const ACCEPTED = 2;
const REJECTED = 3;

const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const payload = (label: string, length = 300) => bytesToHex(Uint8Array.from({ length }, (_, i) => (label.charCodeAt(i % label.length) + i) & 0xff));
const addr = (index: number) => t.account(index).address;

// The unions of calls are checked at each call site; viem cannot type a union in one writeContract call.
async function keyRegistry(index: number, call: { functionName: 'publishKeys'; args: readonly [Hex, Hex, Hex] } | { functionName: 'registerProvider'; args: readonly [string, number] }) {
	const hash = await t.walletClient(index).writeContract({ address: t.addresses.keyRegistry, abi: keyRegistryAbi, ...call } as never);
	expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
}

type ProposalsCall =
	| { functionName: 'propose'; args: readonly [Address, Hex] }
	| { functionName: 'accept'; args: readonly [bigint, Hex] }
	| { functionName: 'reject'; args: readonly [bigint] };

async function send(index: number, call: ProposalsCall) {
	const hash = await t.walletClient(index).writeContract({ address: t.addresses.proposals, abi: proposalsAbi, ...call } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

const simulate = (index: number, call: ProposalsCall) =>
	t.publicClient.simulateContract({ address: t.addresses.proposals, abi: proposalsAbi, account: t.account(index), ...call } as never);

const proposalOf = (id: bigint) =>
	t.publicClient.readContract({ address: t.addresses.proposals, abi: proposalsAbi, functionName: 'proposalOf', args: [id] });
const proposalCount = () => t.publicClient.readContract({ address: t.addresses.proposals, abi: proposalsAbi, functionName: 'proposalCount' });

/** Proposes from `provider` to `patient`; returns the new id from the ProposalMade event. */
async function propose(provider: number, patient: number, sealed = payload(`p${provider}->${patient}`)) {
	const receipt = await send(provider, { functionName: 'propose', args: [addr(patient), sealed] });
	const [made] = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs, eventName: 'ProposalMade' });
	return made.args.id;
}

beforeAll(async () => {
	t = await startGrantsTestChain();
	for (const index of [PROVIDER, PROVIDER_2, PATIENT, PATIENT_2, KEYS_ONLY])
		await keyRegistry(index, { functionName: 'publishKeys', args: [fill(index, 32), fill(index + 16, 32), fill(0x02, 33)] });
	await keyRegistry(PROVIDER, { functionName: 'registerProvider', args: ['Dr. Ada Moreau', 0] });
	await keyRegistry(PROVIDER_2, { functionName: 'registerProvider', args: ['Lab Rhône', 1] });
});
afterAll(async () => {
	await t?.stop();
});

describe('Proposals: propose', () => {
	it('knows its key registry, and counts proposals from 0', async () => {
		expect(await t.publicClient.readContract({ address: t.addresses.proposals, abi: proposalsAbi, functionName: 'keyRegistry' })).toBe(
			t.addresses.keyRegistry
		);
		expect(await proposalCount()).toBe(0n);
	});

	it('a registered provider proposes to a patient with keys: ids count up, ProposalMade carries the payload, storage keeps who and status only', async () => {
		const sealed = payload('sealed box', 412);
		const simulated = await simulate(PROVIDER, { functionName: 'propose', args: [addr(PATIENT), sealed] });
		expect((simulated as { result: bigint }).result).toBe(0n);

		const receipt = await send(PROVIDER, { functionName: 'propose', args: [addr(PATIENT), sealed] });
		const logs = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.address, l.eventName, l.args])).toEqual([
			[t.addresses.proposals.toLowerCase(), 'ProposalMade', { id: 0n, provider: addr(PROVIDER), patient: addr(PATIENT), sealedPayload: sealed }]
		]);
		expect(await proposalOf(0n)).toEqual([addr(PROVIDER), addr(PATIENT), PENDING, 0n]);
		expect(await proposalCount()).toBe(1n);

		expect(await propose(PROVIDER_2, PATIENT_2)).toBe(1n);
		expect(await proposalOf(1n)).toEqual([addr(PROVIDER_2), addr(PATIENT_2), PENDING, 0n]);
		expect(await proposalCount()).toBe(2n);
	});

	it('accepts payloads of 1 and 8192 bytes; rejects empty with ProposalsEmptyPayload() and 8193 bytes with ProposalsPayloadTooLong(8193, 8192)', async () => {
		const one = await propose(PROVIDER, PATIENT, '0x01');
		const max = await propose(PROVIDER, PATIENT, fill(0xee, 8192));
		expect(max).toBe(one + 1n);
		await expectRevert(simulate(PROVIDER, { functionName: 'propose', args: [addr(PATIENT), '0x'] }), 'ProposalsEmptyPayload()', []);
		await expectRevert(simulate(PROVIDER, { functionName: 'propose', args: [addr(PATIENT), fill(0xee, 8193)] }), 'ProposalsPayloadTooLong(uint256,uint256)', [
			8193n,
			8192n
		]);
	});

	it('an account that is not a registered provider cannot propose: ProposalsNotProvider(caller)', async () => {
		const before = await proposalCount();
		for (const index of [KEYS_ONLY, NOBODY, PATIENT])
			await expectRevert(simulate(index, { functionName: 'propose', args: [addr(PATIENT_2), payload('x')] }), 'ProposalsNotProvider(address)', [addr(index)]);
		expect(await proposalCount()).toBe(before);
	});

	it('a patient without published keys cannot receive: ProposalsPatientNotRegistered(patient)', async () => {
		for (const patient of [addr(NOBODY), zeroAddress, t.addresses.proposals])
			await expectRevert(simulate(PROVIDER, { functionName: 'propose', args: [patient, payload('x')] }), 'ProposalsPatientNotRegistered(address)', [patient]);
	});
});

describe('Proposals: accept and reject', () => {
	it('the addressed patient accepts: ProposalAccepted(id, patient, provider, anchorRoot), status Accepted with the block time', async () => {
		const id = await propose(PROVIDER, PATIENT);
		const anchorRoot = keccak256(toHex('batch 7'));
		const receipt = await send(PATIENT, { functionName: 'accept', args: [id, anchorRoot] });
		const logs = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['ProposalAccepted', { id, patient: addr(PATIENT), provider: addr(PROVIDER), anchorRoot }]]);
		const block = await t.publicClient.getBlock({ blockNumber: receipt.blockNumber });
		expect(await proposalOf(id)).toEqual([addr(PROVIDER), addr(PATIENT), ACCEPTED, block.timestamp]);
	});

	it('accepting with a zero anchor root is allowed and emitted as zero', async () => {
		const id = await propose(PROVIDER_2, PATIENT);
		const receipt = await send(PATIENT, { functionName: 'accept', args: [id, zeroHash] });
		const [accepted] = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs, eventName: 'ProposalAccepted' });
		expect(accepted.args).toEqual({ id, patient: addr(PATIENT), provider: addr(PROVIDER_2), anchorRoot: zeroHash });
	});

	it('the addressed patient rejects: ProposalRejected(id, patient, provider), status Rejected with the block time', async () => {
		const id = await propose(PROVIDER_2, PATIENT_2);
		const receipt = await send(PATIENT_2, { functionName: 'reject', args: [id] });
		const logs = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['ProposalRejected', { id, patient: addr(PATIENT_2), provider: addr(PROVIDER_2) }]]);
		const block = await t.publicClient.getBlock({ blockNumber: receipt.blockNumber });
		expect(await proposalOf(id)).toEqual([addr(PROVIDER_2), addr(PATIENT_2), REJECTED, block.timestamp]);
	});

	it('nobody but the addressed patient can decide (the provider, another patient, a stranger): ProposalsNotPatient(id, caller)', async () => {
		const id = await propose(PROVIDER, PATIENT);
		for (const index of [PROVIDER, PATIENT_2, NOBODY, 0]) {
			await expectRevert(simulate(index, { functionName: 'accept', args: [id, zeroHash] }), 'ProposalsNotPatient(uint256,address)', [id, addr(index)]);
			await expectRevert(simulate(index, { functionName: 'reject', args: [id] }), 'ProposalsNotPatient(uint256,address)', [id, addr(index)]);
		}
		expect(await proposalOf(id)).toEqual([addr(PROVIDER), addr(PATIENT), PENDING, 0n]);
	});

	it('a decision is final: deciding again reverts with ProposalsAlreadyDecided(id, status)', async () => {
		const accepted = await propose(PROVIDER, PATIENT);
		await send(PATIENT, { functionName: 'accept', args: [accepted, zeroHash] });
		await expectRevert(simulate(PATIENT, { functionName: 'accept', args: [accepted, zeroHash] }), 'ProposalsAlreadyDecided(uint256,uint8)', [accepted, ACCEPTED]);
		await expectRevert(simulate(PATIENT, { functionName: 'reject', args: [accepted] }), 'ProposalsAlreadyDecided(uint256,uint8)', [accepted, ACCEPTED]);

		const rejected = await propose(PROVIDER, PATIENT);
		await send(PATIENT, { functionName: 'reject', args: [rejected] });
		await expectRevert(simulate(PATIENT, { functionName: 'accept', args: [rejected, zeroHash] }), 'ProposalsAlreadyDecided(uint256,uint8)', [rejected, REJECTED]);
		await expectRevert(simulate(PATIENT, { functionName: 'reject', args: [rejected] }), 'ProposalsAlreadyDecided(uint256,uint8)', [rejected, REJECTED]);
		// Another account still gets NotPatient, not the decision.
		await expectRevert(simulate(PATIENT_2, { functionName: 'reject', args: [rejected] }), 'ProposalsNotPatient(uint256,address)', [rejected, addr(PATIENT_2)]);
		expect((await proposalOf(rejected))[2]).toBe(REJECTED);
	});

	it('an unknown id reverts with ProposalsUnknown(id) and reads as all zero with status None', async () => {
		const next = await proposalCount();
		for (const id of [next, next + 1000n, 2n ** 256n - 1n]) {
			await expectRevert(simulate(PATIENT, { functionName: 'accept', args: [id, zeroHash] }), 'ProposalsUnknown(uint256)', [id]);
			await expectRevert(simulate(PATIENT, { functionName: 'reject', args: [id] }), 'ProposalsUnknown(uint256)', [id]);
			expect(await proposalOf(id)).toEqual([zeroAddress, zeroAddress, 0, 0n]);
		}
	});

	it('a mined reverted decision changes nothing', async () => {
		const id = await propose(PROVIDER, PATIENT);
		// Sent for real (fixed gas skips estimation) so the revert is mined, not just simulated.
		const hash = await t.walletClient(PATIENT_2).writeContract({
			address: t.addresses.proposals,
			abi: proposalsAbi,
			functionName: 'accept',
			args: [id, zeroHash],
			gas: 200_000n
		});
		expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');
		expect(await proposalOf(id)).toEqual([addr(PROVIDER), addr(PATIENT), PENDING, 0n]);
	});
});
