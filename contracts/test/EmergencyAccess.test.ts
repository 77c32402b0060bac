/**
 * EmergencyAccess: a patient's guardians (t of n, per key epoch), a provider's request,
 * approvals (guardians only, once each; EIP-712 batches), the waiting period on anvil's
 * clock, cancel, finalize and share releases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, parseEventLogs, parseSignature, zeroHash, type Address, type Hex } from 'viem';
import { emergencyAccessAbi, keyRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { expectRevert } from './expectRevert';
import { startGrantsTestChain, type GrantsTestChain } from './grantsTestChain';

let t: GrantsTestChain;
let contract: Address;

// Dev accounts by part: 1 a provider, 2 and 8 patients, 3 4 5 guardians, 6 keys only (never a guardian), 7 nothing at all.
const PROVIDER = 1;
const PATIENT = 2;
const PATIENT_2 = 8;
const G1 = 3;
const G2 = 4;
const G3 = 5;
const OUTSIDER = 6;
const NOBODY = 7;
const [OPEN, WAITING, CANCELLED, FINALIZED] = [1, 2, 3, 4];
const HOUR = 3600;

const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const addr = (index: number) => t.account(index).address;
const shares = (n: number) => Array.from({ length: n }, (_, i) => fill(0x50 + i, 80));

type Call =
	| { functionName: 'setGuardians'; args: readonly [readonly Address[], number, number, Hex, readonly Hex[], Hex] }
	| { functionName: 'updateScope'; args: readonly [Hex] }
	| { functionName: 'openRequest'; args: readonly [Address, Hex] }
	| { functionName: 'approve' | 'cancel' | 'finalize'; args: readonly [bigint] }
	| { functionName: 'approveWithSignatures'; args: readonly [bigint, readonly { v: number; r: Hex; s: Hex }[]] }
	| { functionName: 'release'; args: readonly [bigint, Hex] };

async function send(index: number, call: Call) {
	const hash = await t.walletClient(index).writeContract({ address: contract, abi: emergencyAccessAbi, ...call } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return { receipt, events: parseEventLogs({ abi: emergencyAccessAbi, logs: receipt.logs }).map((l) => [l.eventName, l.args]) };
}
const simulate = (index: number, call: Call) =>
	t.publicClient.simulateContract({ address: contract, abi: emergencyAccessAbi, account: t.account(index), ...call } as never);
const view = <R>(functionName: string, args: readonly unknown[]) =>
	t.publicClient.readContract({ address: contract, abi: emergencyAccessAbi, functionName, args } as never) as Promise<R>;
const requestOf = (id: bigint) => view<readonly [Address, Address, number, number, number, bigint]>('requestOf', [id]);

const setGuardians = (patient: number, guardians: number[], threshold: number, waiting: number, commitment = fill(0xc0, 32)) =>
	send(patient, { functionName: 'setGuardians', args: [guardians.map(addr), threshold, waiting, commitment, shares(guardians.length), fill(0xee, 99)] });

async function open(patient = PATIENT): Promise<bigint> {
	const { events } = await send(PROVIDER, { functionName: 'openRequest', args: [addr(patient), fill(0xaa, 300)] });
	return (events[0][1] as { id: bigint }).id;
}

async function signApproval(guardian: number, id: bigint, patient = PATIENT, epoch?: number) {
	const e = epoch ?? (await view<readonly [Address[], number, number, number, Hex]>('guardiansOf', [addr(patient)]))[3];
	const signature = await t.account(guardian).signTypedData({
		domain: { name: 'Carevault EmergencyAccess', version: '1', chainId: t.chain.id, verifyingContract: contract },
		types: { EmergencyApproval: [{ name: 'requestId', type: 'uint256' }, { name: 'patient', type: 'address' }, { name: 'epoch', type: 'uint32' }] },
		primaryType: 'EmergencyApproval',
		message: { requestId: id, patient: addr(patient), epoch: e }
	});
	const { r, s, v } = parseSignature(signature);
	return { r, s, v: Number(v) };
}

beforeAll(async () => {
	t = await startGrantsTestChain();
	contract = t.config.contracts.emergencyAccess as Address;
	for (const index of [PROVIDER, PATIENT, PATIENT_2, G1, G2, G3, OUTSIDER]) {
		const hash = await t.walletClient(index).writeContract({
			address: t.addresses.keyRegistry,
			abi: keyRegistryAbi,
			functionName: 'publishKeys',
			args: [fill(index, 32), fill(index + 16, 32), fill(0x02, 33)]
		});
		await t.publicClient.waitForTransactionReceipt({ hash });
	}
	const hash = await t.walletClient(PROVIDER).writeContract({ address: t.addresses.keyRegistry, abi: keyRegistryAbi, functionName: 'registerProvider', args: ['Urgences Nord', 0] });
	await t.publicClient.waitForTransactionReceipt({ hash });
});
afterAll(async () => {
	await t?.stop();
});

describe('EmergencyAccess: guardian set-up', () => {
	it('is deployed with the key registry, knows no guardians or requests yet', async () => {
		expect(contract).toMatch(/^0x[0-9a-fA-F]{40}$/);
		expect(await view('keyRegistry', [])).toBe(t.addresses.keyRegistry);
		expect(await view('requestCount', [])).toBe(0n);
		expect(await view('guardiansOf', [addr(PATIENT)])).toEqual([[], 0, 0, 0, zeroHash]);
	});

	it('the patient names 3 guardians, threshold 2, a 1-hour wait: epoch 1, GuardiansSet carries the sealed share pointers and nothing else of the scope', async () => {
		const { events } = await setGuardians(PATIENT, [G1, G2, G3], 2, HOUR);
		expect(events).toEqual([
			[
				'GuardiansSet',
				{
					patient: addr(PATIENT),
					epoch: 1,
					guardians: [addr(G1), addr(G2), addr(G3)],
					threshold: 2,
					waitingPeriod: HOUR,
					keyCommitment: fill(0xc0, 32),
					sealedShares: shares(3),
					scopePointer: fill(0xee, 99)
				}
			]
		]);
		expect(await view('guardiansOf', [addr(PATIENT)])).toEqual([[addr(G1), addr(G2), addr(G3)], 2, HOUR, 1, fill(0xc0, 32)]);
	});

	it('refuses bad set-ups with their custom errors', async () => {
		const call = (guardians: Address[], threshold: number, waiting = 0, sealed = shares(guardians.length), pointer = fill(1, 10)) =>
			simulate(PATIENT_2, { functionName: 'setGuardians', args: [guardians, threshold, waiting, zeroHash, sealed, pointer] });
		await expectRevert(call([addr(G1), addr(G2)], 3), 'EmergencyAccessInvalidThreshold(uint256,uint256)', [3n, 2n]);
		await expectRevert(call([addr(G1), addr(G2)], 0), 'EmergencyAccessInvalidThreshold(uint256,uint256)', [0n, 2n]);
		await expectRevert(call([], 1), 'EmergencyAccessInvalidThreshold(uint256,uint256)', [1n, 0n]);
		await expectRevert(call([addr(G1), addr(NOBODY)], 1), 'EmergencyAccessGuardianNotRegistered(address)', [addr(NOBODY)]);
		await expectRevert(call([addr(G1), addr(G1)], 1), 'EmergencyAccessInvalidGuardian(address)', [addr(G1)]);
		await expectRevert(call([addr(PATIENT_2)], 1), 'EmergencyAccessInvalidGuardian(address)', [addr(PATIENT_2)]);
		await expectRevert(call([addr(G1), addr(G2)], 1, 0, shares(1)), 'EmergencyAccessSharesMismatch(uint256,uint256)', [1n, 2n]);
		await expectRevert(call([addr(G1)], 1, 30 * 24 * HOUR + 1), 'EmergencyAccessWaitingPeriodTooLong(uint256,uint256)', [BigInt(30 * 24 * HOUR + 1), BigInt(30 * 24 * HOUR)]);
		await expectRevert(call([addr(G1)], 1, 0, shares(1), '0x'), 'EmergencyAccessInvalidPayload(uint256,uint256)', [0n, 8192n]);
		await expectRevert(call(Array.from({ length: 17 }, () => addr(G1)), 1), 'EmergencyAccessTooManyGuardians(uint256,uint256)', [17n, 16n]);
	});

	it('updateScope emits ScopeUpdated for the current epoch; a patient without guardians cannot', async () => {
		const { events } = await send(PATIENT, { functionName: 'updateScope', args: [fill(0xef, 99)] });
		expect(events).toEqual([['ScopeUpdated', { patient: addr(PATIENT), epoch: 1, scopePointer: fill(0xef, 99) }]]);
		await expectRevert(simulate(PATIENT_2, { functionName: 'updateScope', args: [fill(1, 10)] }), 'EmergencyAccessNoGuardians(address)', [addr(PATIENT_2)]);
	});
});

describe('EmergencyAccess: requests and approvals', () => {
	it('a registered provider opens a request: EmergencyRequested with the sealed reason, status Open; others cannot', async () => {
		const { events } = await send(PROVIDER, { functionName: 'openRequest', args: [addr(PATIENT), fill(0xaa, 300)] });
		expect(events).toEqual([['EmergencyRequested', { id: 0n, provider: addr(PROVIDER), patient: addr(PATIENT), epoch: 1, sealedReason: fill(0xaa, 300) }]]);
		expect(await requestOf(0n)).toEqual([addr(PROVIDER), addr(PATIENT), 1, 0, OPEN, 0n]);
		for (const index of [OUTSIDER, NOBODY, G1, PATIENT])
			await expectRevert(simulate(index, { functionName: 'openRequest', args: [addr(PATIENT), fill(1, 10)] }), 'EmergencyAccessNotProvider(address)', [addr(index)]);
		await expectRevert(simulate(PROVIDER, { functionName: 'openRequest', args: [addr(PATIENT_2), fill(1, 10)] }), 'EmergencyAccessNoGuardians(address)', [addr(PATIENT_2)]);
		await expectRevert(simulate(PROVIDER, { functionName: 'openRequest', args: [addr(PATIENT), '0x'] }), 'EmergencyAccessInvalidPayload(uint256,uint256)', [0n, 8192n]);
	});

	it('only guardians of the epoch approve, each once; the t-th approval starts the waiting period', async () => {
		const id = await open();
		for (const index of [OUTSIDER, NOBODY, PATIENT, PROVIDER])
			await expectRevert(simulate(index, { functionName: 'approve', args: [id] }), 'EmergencyAccessNotGuardian(uint256,address)', [id, addr(index)]);
		const first = await send(G1, { functionName: 'approve', args: [id] });
		expect(first.events).toEqual([['EmergencyApproved', { id, guardian: addr(G1), patient: addr(PATIENT), approvals: 1 }]]);
		expect(await view('guardianStateOf', [id, addr(G1)])).toEqual([true, false]);
		await expectRevert(simulate(G1, { functionName: 'approve', args: [id] }), 'EmergencyAccessAlreadyApproved(uint256,address)', [id, addr(G1)]);
		expect((await requestOf(id))[4]).toBe(OPEN);

		const second = await send(G2, { functionName: 'approve', args: [id] });
		const block = await t.publicClient.getBlock({ blockNumber: second.receipt.blockNumber });
		const readyAt = block.timestamp + BigInt(HOUR);
		expect(second.events).toEqual([
			['EmergencyApproved', { id, guardian: addr(G2), patient: addr(PATIENT), approvals: 2 }],
			['EmergencyThresholdReached', { id, patient: addr(PATIENT), readyAt }]
		]);
		expect(await requestOf(id)).toEqual([addr(PROVIDER), addr(PATIENT), 1, 2, WAITING, readyAt]);
		// The threshold is met: a third approval is not taken (only t guardians may release).
		await expectRevert(simulate(G3, { functionName: 'approve', args: [id] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, WAITING]);
		await expectRevert(simulate(G1, { functionName: 'approve', args: [99n] }), 'EmergencyAccessUnknownRequest(uint256)', [99n]);
	});

	it('EIP-712 approvals are batched in one call sent by anyone; a non-guardian, reused or high-s signature is refused', async () => {
		const id = await open();
		expect(await view('approvalDigest', [id])).toMatch(/^0x[0-9a-f]{64}$/);
		const outsider = await signApproval(OUTSIDER, id);
		await expectRevert(simulate(PROVIDER, { functionName: 'approveWithSignatures', args: [id, [outsider]] }), 'EmergencyAccessNotGuardian(uint256,address)', [id, addr(OUTSIDER)]);
		const g1 = await signApproval(G1, id);
		await expectRevert(simulate(PROVIDER, { functionName: 'approveWithSignatures', args: [id, [g1, g1]] }), 'EmergencyAccessAlreadyApproved(uint256,address)', [id, addr(G1)]);
		const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
		const highS = { r: g1.r, s: `0x${(N - BigInt(g1.s)).toString(16).padStart(64, '0')}` as Hex, v: g1.v === 27 ? 28 : 27 };
		await expectRevert(simulate(PROVIDER, { functionName: 'approveWithSignatures', args: [id, [highS]] }), 'EmergencyAccessInvalidSignature(uint256)', [0n]);
		// Signed for another request: recovers to someone who is no guardian.
		const wrong = await signApproval(G2, id + 1n);
		await expectRevertAny(simulate(PROVIDER, { functionName: 'approveWithSignatures', args: [id, [wrong]] }));

		const { events } = await send(PROVIDER, { functionName: 'approveWithSignatures', args: [id, [g1, await signApproval(G3, id)]] });
		expect(events.map(([name]) => name)).toEqual(['EmergencyApproved', 'EmergencyApproved', 'EmergencyThresholdReached']);
		expect(events[1][1]).toMatchObject({ guardian: addr(G3), approvals: 2 });
		expect((await requestOf(id))[4]).toBe(WAITING);
	});
});

async function expectRevertAny(promise: Promise<unknown>) {
	await expect(promise).rejects.toThrow();
}

describe('EmergencyAccess: waiting period, cancel, finalize, release', () => {
	it('finalize waits for the period on the chain clock, then anyone finalizes; approving guardians release once each, others cannot', async () => {
		const id = await open();
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [id] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, OPEN]);
		await send(G1, { functionName: 'approve', args: [id] });
		await expectRevert(simulate(G1, { functionName: 'release', args: [id, fill(1, 90)] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, OPEN]);
		await send(G3, { functionName: 'approve', args: [id] });
		const readyAt = (await requestOf(id))[5];
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [id] }), 'EmergencyAccessWaiting(uint256,uint64)', [id, readyAt]);
		await expectRevert(simulate(G1, { functionName: 'release', args: [id, fill(1, 90)] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, WAITING]);
		await t.advanceTime(HOUR - 60);
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [id] }), 'EmergencyAccessWaiting(uint256,uint64)', [id, readyAt]);
		await t.advanceTime(120);
		const { events } = await send(OUTSIDER, { functionName: 'finalize', args: [id] });
		expect(events).toEqual([['EmergencyFinalized', { id, patient: addr(PATIENT), provider: addr(PROVIDER) }]]);
		expect((await requestOf(id))[4]).toBe(FINALIZED);
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [id] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, FINALIZED]);
		await expectRevert(simulate(PATIENT, { functionName: 'cancel', args: [id] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [id, FINALIZED]);

		// G2 did not approve; OUTSIDER is no guardian: neither may release.
		for (const index of [G2, OUTSIDER])
			await expectRevert(simulate(index, { functionName: 'release', args: [id, fill(1, 90)] }), 'EmergencyAccessCannotRelease(uint256,address)', [id, addr(index)]);
		const released = await send(G1, { functionName: 'release', args: [id, fill(0x77, 90)] });
		expect(released.events).toEqual([['EmergencyShareReleased', { id, guardian: addr(G1), patient: addr(PATIENT), sealedPointer: fill(0x77, 90) }]]);
		expect(await view('guardianStateOf', [id, addr(G1)])).toEqual([true, true]);
		await expectRevert(simulate(G1, { functionName: 'release', args: [id, fill(1, 90)] }), 'EmergencyAccessCannotRelease(uint256,address)', [id, addr(G1)]);
		await expectRevert(simulate(G3, { functionName: 'release', args: [id, '0x'] }), 'EmergencyAccessInvalidPayload(uint256,uint256)', [0n, 8192n]);
		await send(G3, { functionName: 'release', args: [id, fill(0x78, 90)] });
	});

	it('the patient (only) cancels an open or waiting request: nothing can be approved, finalized or released after', async () => {
		const open1 = await open();
		await expectRevert(simulate(PROVIDER, { functionName: 'cancel', args: [open1] }), 'EmergencyAccessNotPatient(uint256,address)', [open1, addr(PROVIDER)]);
		await expectRevert(simulate(G1, { functionName: 'cancel', args: [open1] }), 'EmergencyAccessNotPatient(uint256,address)', [open1, addr(G1)]);
		const { events } = await send(PATIENT, { functionName: 'cancel', args: [open1] });
		expect(events).toEqual([['EmergencyCancelled', { id: open1, patient: addr(PATIENT) }]]);
		await expectRevert(simulate(G1, { functionName: 'approve', args: [open1] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [open1, CANCELLED]);

		const waiting = await open();
		await send(G1, { functionName: 'approve', args: [waiting] });
		await send(G2, { functionName: 'approve', args: [waiting] });
		await send(PATIENT, { functionName: 'cancel', args: [waiting] });
		await t.advanceTime(HOUR + 1);
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [waiting] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [waiting, CANCELLED]);
		await expectRevert(simulate(G1, { functionName: 'release', args: [waiting, fill(1, 90)] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [waiting, CANCELLED]);
		await expectRevert(simulate(PATIENT, { functionName: 'cancel', args: [waiting] }), 'EmergencyAccessWrongStatus(uint256,uint8)', [waiting, CANCELLED]);
		await expectRevert(simulate(PATIENT, { functionName: 'cancel', args: [99n] }), 'EmergencyAccessUnknownRequest(uint256)', [99n]);
	});

	it('a waiting period of 0 allows finalize in the next transaction', async () => {
		await setGuardians(PATIENT_2, [G1, G2], 2, 0);
		const id = await open(PATIENT_2);
		await send(G1, { functionName: 'approve', args: [id] });
		await send(G2, { functionName: 'approve', args: [id] });
		expect((await send(PROVIDER, { functionName: 'finalize', args: [id] })).events[0][0]).toBe('EmergencyFinalized');
	});

	it('changing guardians starts a new epoch: requests of the old one can no longer be approved, finalized or released, and old guardians are not guardians', async () => {
		const pending = await open();
		const waiting = await open();
		await send(G1, { functionName: 'approve', args: [waiting] });
		await send(G2, { functionName: 'approve', args: [waiting] });
		const finalized = await open();
		await send(G1, { functionName: 'approve', args: [finalized] });
		await send(G2, { functionName: 'approve', args: [finalized] });
		await t.advanceTime(HOUR + 1);
		await send(PROVIDER, { functionName: 'finalize', args: [finalized] });

		const { events } = await setGuardians(PATIENT, [G3, OUTSIDER], 1, 0, fill(0xc1, 32));
		expect(events[0][1]).toMatchObject({ epoch: 2, guardians: [addr(G3), addr(OUTSIDER)], threshold: 1 });
		await expectRevert(simulate(G1, { functionName: 'approve', args: [pending] }), 'EmergencyAccessStaleEpoch(uint256,uint32,uint32)', [pending, 1, 2]);
		await expectRevert(simulate(PROVIDER, { functionName: 'finalize', args: [waiting] }), 'EmergencyAccessStaleEpoch(uint256,uint32,uint32)', [waiting, 1, 2]);
		await expectRevert(simulate(G1, { functionName: 'release', args: [finalized, fill(1, 90)] }), 'EmergencyAccessStaleEpoch(uint256,uint32,uint32)', [finalized, 1, 2]);

		const fresh = await open();
		expect((await requestOf(fresh))[2]).toBe(2);
		await expectRevert(simulate(G1, { functionName: 'approve', args: [fresh] }), 'EmergencyAccessNotGuardian(uint256,address)', [fresh, addr(G1)]);
		// An approval signed for epoch 1 does not count in epoch 2.
		await expectRevertAny(simulate(PROVIDER, { functionName: 'approveWithSignatures', args: [fresh, [await signApproval(G3, fresh, PATIENT, 1)]] }));
		const { events: approved } = await send(PROVIDER, { functionName: 'approveWithSignatures', args: [fresh, [await signApproval(G3, fresh)]] });
		expect(approved.map(([name]) => name)).toEqual(['EmergencyApproved', 'EmergencyThresholdReached']);

		// Turning emergency access off: no guardians, threshold 0, no request can be opened.
		await send(PATIENT, { functionName: 'setGuardians', args: [[], 0, 0, zeroHash, [], '0x'] });
		expect(await view('guardiansOf', [addr(PATIENT)])).toEqual([[], 0, 0, 3, zeroHash]);
		await expectRevert(simulate(PROVIDER, { functionName: 'openRequest', args: [addr(PATIENT), fill(1, 10)] }), 'EmergencyAccessNoGuardians(address)', [addr(PATIENT)]);
	});
});
