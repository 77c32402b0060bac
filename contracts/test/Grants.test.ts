/**
 * Grants: only the patient grants, updates and revokes its own grants; expiry
 * follows block time; providers ask for access, the addressed patient answers once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, keccak256, parseEventLogs, toHex, zeroAddress, zeroHash, type Address, type Hex } from 'viem';
import { grantsAbi, keyRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { expectRevert } from './expectRevert';
import { startGrantsTestChain, type GrantsTestChain } from './grantsTestChain';

let t: GrantsTestChain;

// Dev accounts by part: 1 and 2 patients, 3 and 4 providers, 5 keys but no provider
// profile, 6 nothing at all, 7 a share link's throwaway address.
const PATIENT = 1;
const PATIENT_2 = 2;
const PROVIDER = 3;
const PROVIDER_2 = 4;
const KEYS_ONLY = 5;
const NOBODY = 6;
const LINK = 7;
const PENDING = 1;
const APPROVED = 2;
const DECLINED = 3;
const HOUR = 3600;

const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const sealed = (label: string, length = 169) => bytesToHex(Uint8Array.from({ length }, (_, i) => (label.charCodeAt(i % label.length) + i) & 0xff));
const commit = (pointer: Hex) => keccak256(pointer);
const addr = (index: number) => t.account(index).address;

async function keyRegistry(index: number, call: { functionName: 'publishKeys'; args: readonly [Hex, Hex, Hex] } | { functionName: 'registerProvider'; args: readonly [string, number] }) {
	const hash = await t.walletClient(index).writeContract({ address: t.addresses.keyRegistry, abi: keyRegistryAbi, ...call } as never);
	expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
}

type GrantsCall =
	| { functionName: 'grant'; args: readonly [Address, bigint, Hex, Hex] }
	| { functionName: 'updatePointer'; args: readonly [bigint, Hex, Hex] }
	| { functionName: 'revoke'; args: readonly [bigint] }
	| { functionName: 'requestAccess'; args: readonly [Address, Hex] }
	| { functionName: 'approveRequest'; args: readonly [bigint, bigint, Hex, Hex] }
	| { functionName: 'declineRequest'; args: readonly [bigint] }
	| { functionName: 'reportAccess'; args: readonly [bigint, number] };

async function send(index: number, call: GrantsCall) {
	const hash = await t.walletClient(index).writeContract({ address: t.addresses.grants, abi: grantsAbi, ...call } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

const simulate = (index: number, call: GrantsCall) =>
	t.publicClient.simulateContract({ address: t.addresses.grants, abi: grantsAbi, account: t.account(index), ...call } as never);

const view = <R>(functionName: string, args: readonly unknown[] = []) =>
	t.publicClient.readContract({ address: t.addresses.grants, abi: grantsAbi, functionName, args } as never) as Promise<R>;
const grantOf = (id: bigint) => view<readonly [Address, bigint, boolean, boolean]>('grantOf', [id]);
const isActive = (id: bigint) => view<boolean>('isActive', [id]);
const requestOf = (id: bigint) => view<readonly [Address, Address, number]>('requestOf', [id]);
const grantCount = () => view<bigint>('grantCount');
const requestCount = () => view<bigint>('requestCount');

/** Grants from `patient` to `grantee`; returns the new id from the Granted event. */
async function grant(patient: number, grantee: Address, expiresAt = 0n, pointer = sealed(`g${patient}->${grantee}`)) {
	const receipt = await send(patient, { functionName: 'grant', args: [grantee, expiresAt, pointer, commit(pointer)] });
	const [granted] = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'Granted' });
	return granted.args.id;
}

async function requestAccess(provider: number, patient: number, request = sealed(`r${provider}->${patient}`, 300)) {
	const receipt = await send(provider, { functionName: 'requestAccess', args: [addr(patient), request] });
	const [requested] = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'AccessRequested' });
	return requested.args.id;
}

beforeAll(async () => {
	t = await startGrantsTestChain();
	for (const index of [PATIENT, PATIENT_2, PROVIDER, PROVIDER_2, KEYS_ONLY])
		await keyRegistry(index, { functionName: 'publishKeys', args: [fill(index, 32), fill(index + 16, 32), fill(0x02, 33)] });
	await keyRegistry(PROVIDER, { functionName: 'registerProvider', args: ['Dr. Ada Moreau', 0] });
	await keyRegistry(PROVIDER_2, { functionName: 'registerProvider', args: ['Lab Rhône', 1] });
});
afterAll(async () => {
	await t?.stop();
});

describe('Grants: grant', () => {
	it('knows its key registry, and has made no grant or request yet', async () => {
		expect(await view('keyRegistry')).toBe(t.addresses.keyRegistry);
		expect(await grantCount()).toBe(0n);
		expect(await requestCount()).toBe(0n);
	});

	it('a patient grants a provider: ids count up from 1, Granted carries expiry, commitment and sealed pointer; storage keeps patient, expiry and revoked bit only', async () => {
		const pointer = sealed('bundle pointer');
		const expiresAt = (await t.now()) + BigInt(HOUR);
		const simulated = await simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), expiresAt, pointer, commit(pointer)] });
		expect((simulated as { result: bigint }).result).toBe(1n);

		const receipt = await send(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), expiresAt, pointer, commit(pointer)] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.address, l.eventName, l.args])).toEqual([
			[
				t.addresses.grants.toLowerCase(),
				'Granted',
				{ id: 1n, patient: addr(PATIENT), grantee: addr(PROVIDER), expiresAt, commitment: commit(pointer), sealedPointer: pointer }
			]
		]);
		expect(await grantOf(1n)).toEqual([addr(PATIENT), expiresAt, false, true]);
		expect(await isActive(1n)).toBe(true);
		expect(await grantCount()).toBe(1n);
	});

	it('anyone may grant as patient, to any address (a share link has no keys), with no expiry', async () => {
		const id = await grant(PATIENT_2, addr(LINK));
		expect(await grantOf(id)).toEqual([addr(PATIENT_2), 0n, false, true]);
		const byNobody = await grant(NOBODY, addr(PROVIDER));
		expect(byNobody).toBe(id + 1n);
		expect((await grantOf(byNobody))[0]).toBe(addr(NOBODY));
	});

	it('input errors: zero grantee, empty or over-1024-byte pointer, zero commitment, expiry not in the future', async () => {
		const p = sealed('x');
		const before = await grantCount();
		await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [zeroAddress, 0n, p, commit(p)] }), 'GrantsZeroGrantee()', []);
		await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), 0n, '0x', commit(p)] }), 'GrantsEmptyPointer()', []);
		await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), 0n, fill(0xee, 1025), commit(p)] }), 'GrantsPointerTooLong(uint256,uint256)', [
			1025n,
			1024n
		]);
		await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), 0n, p, zeroHash] }), 'GrantsZeroCommitment()', []);
		const now = await t.now();
		// A simulation runs in a block at least as late as the latest one: its timestamp is not known exactly.
		const atLeastNow = expect.toSatisfy((ts: bigint) => typeof ts === 'bigint' && ts >= now);
		for (const expiresAt of [1n, now])
			await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), expiresAt, p, commit(p)] }), 'GrantsExpiryInPast(uint64,uint256)', [
				expiresAt,
				atLeastNow
			]);
		expect(await grantCount()).toBe(before);
		// The largest pointer is accepted.
		const max = fill(0xee, 1024);
		await send(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), 0n, max, commit(max)] });
		expect(await grantCount()).toBe(before + 1n);
	});
});

describe('Grants: expiry and isActive', () => {
	it('a grant is active until its expiry, by block time, then inactive; a grant without expiry stays active', async () => {
		const expiring = await grant(PATIENT, addr(PROVIDER), (await t.now()) + BigInt(HOUR));
		const forever = await grant(PATIENT, addr(PROVIDER_2), 0n);
		expect([await isActive(expiring), await isActive(forever)]).toEqual([true, true]);

		await t.advanceTime(HOUR - 10);
		expect(await isActive(expiring)).toBe(true);
		await t.advanceTime(10);
		expect(await isActive(expiring)).toBe(false);
		expect((await grantOf(expiring)).slice(2)).toEqual([false, false]);

		await t.advanceTime(10 * 365 * 24 * HOUR);
		expect(await isActive(forever)).toBe(true);
	});

	it('an expired grant cannot be updated (GrantsExpired) but can still be revoked', async () => {
		const id = await grant(PATIENT, addr(PROVIDER), (await t.now()) + 60n);
		await t.advanceTime(61);
		const p = sealed('late');
		await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, p, commit(p)] }), 'GrantsExpired(uint256)', [id]);
		await send(PATIENT, { functionName: 'revoke', args: [id] });
		expect((await grantOf(id)).slice(2)).toEqual([true, false]);
	});

	it('an unknown id is not active and reads as all zero', async () => {
		for (const id of [0n, (await grantCount()) + 1n, 2n ** 256n - 1n]) {
			expect(await isActive(id)).toBe(false);
			expect(await grantOf(id)).toEqual([zeroAddress, 0n, false, false]);
		}
	});
});

describe('Grants: updatePointer', () => {
	it('the patient replaces the sealed pointer: GrantPointerUpdated(id, commitment, sealedPointer), state unchanged', async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		const before = await grantOf(id);
		const p = sealed('bundle v2', 200);
		const receipt = await send(PATIENT, { functionName: 'updatePointer', args: [id, p, commit(p)] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['GrantPointerUpdated', { id, commitment: commit(p), sealedPointer: p }]]);
		expect(await grantOf(id)).toEqual(before);
	});

	it('nobody but the patient can update (the grantee, another patient, a stranger): GrantsNotPatient(id, caller)', async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		const p = sealed('hijack');
		for (const index of [PROVIDER, PATIENT_2, NOBODY, 0])
			await expectRevert(simulate(index, { functionName: 'updatePointer', args: [id, p, commit(p)] }), 'GrantsNotPatient(uint256,address)', [id, addr(index)]);
	});

	it('refuses unknown (GrantsUnknown) and revoked (GrantsRevoked) grants, and bad pointers', async () => {
		const p = sealed('v3');
		for (const id of [0n, (await grantCount()) + 1n])
			await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, p, commit(p)] }), 'GrantsUnknown(uint256)', [id]);
		const id = await grant(PATIENT, addr(PROVIDER));
		await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, '0x', commit(p)] }), 'GrantsEmptyPointer()', []);
		await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, fill(1, 1025), commit(p)] }), 'GrantsPointerTooLong(uint256,uint256)', [1025n, 1024n]);
		await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, p, zeroHash] }), 'GrantsZeroCommitment()', []);
		await send(PATIENT, { functionName: 'revoke', args: [id] });
		await expectRevert(simulate(PATIENT, { functionName: 'updatePointer', args: [id, p, commit(p)] }), 'GrantsRevoked(uint256)', [id]);
	});
});

describe('Grants: revoke', () => {
	it('the patient revokes: Revoked(id, patient), revoked and inactive for good', async () => {
		const id = await grant(PATIENT, addr(PROVIDER), (await t.now()) + BigInt(HOUR));
		const [, expiresAt] = await grantOf(id);
		const receipt = await send(PATIENT, { functionName: 'revoke', args: [id] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['Revoked', { id, patient: addr(PATIENT) }]]);
		expect(await grantOf(id)).toEqual([addr(PATIENT), expiresAt, true, false]);
		expect(await isActive(id)).toBe(false);
		await expectRevert(simulate(PATIENT, { functionName: 'revoke', args: [id] }), 'GrantsRevoked(uint256)', [id]);
	});

	it('nobody but the patient can revoke (the grantee, another patient, a stranger): GrantsNotPatient(id, caller)', async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		for (const index of [PROVIDER, PATIENT_2, NOBODY, 0])
			await expectRevert(simulate(index, { functionName: 'revoke', args: [id] }), 'GrantsNotPatient(uint256,address)', [id, addr(index)]);
		expect(await isActive(id)).toBe(true);
	});

	it('an unknown id reverts with GrantsUnknown(id)', async () => {
		for (const id of [0n, (await grantCount()) + 1n, 2n ** 256n - 1n])
			await expectRevert(simulate(PATIENT, { functionName: 'revoke', args: [id] }), 'GrantsUnknown(uint256)', [id]);
	});

	it('a mined reverted revoke changes nothing', async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		// Sent for real (fixed gas skips estimation) so the revert is mined, not just simulated.
		const hash = await t.walletClient(PROVIDER).writeContract({ address: t.addresses.grants, abi: grantsAbi, functionName: 'revoke', args: [id], gas: 200_000n });
		expect((await t.publicClient.waitForTransactionReceipt({ hash })).status).toBe('reverted');
		expect(await grantOf(id)).toEqual([addr(PATIENT), 0n, false, true]);
	});
});

describe('Grants: access requests', () => {
	it('a registered provider asks a patient with keys: AccessRequested carries the sealed request, storage keeps the patient, requester and status', async () => {
		const request = sealed('reason + categories', 300);
		const before = await requestCount();
		const receipt = await send(PROVIDER, { functionName: 'requestAccess', args: [addr(PATIENT), request] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		const id = before + 1n;
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([
			['AccessRequested', { id, requester: addr(PROVIDER), patient: addr(PATIENT), sealedRequest: request }]
		]);
		expect(await requestOf(id)).toEqual([addr(PATIENT), addr(PROVIDER), PENDING]);
		expect(await requestCount()).toBe(id);
	});

	it('only registered providers ask (GrantsNotProvider), only patients with keys are asked (GrantsPatientNotRegistered), 1 to 2048 bytes', async () => {
		const r = sealed('why');
		for (const index of [KEYS_ONLY, NOBODY, PATIENT])
			await expectRevert(simulate(index, { functionName: 'requestAccess', args: [addr(PATIENT_2), r] }), 'GrantsNotProvider(address)', [addr(index)]);
		for (const patient of [addr(NOBODY), zeroAddress, t.addresses.grants])
			await expectRevert(simulate(PROVIDER, { functionName: 'requestAccess', args: [patient, r] }), 'GrantsPatientNotRegistered(address)', [patient]);
		await expectRevert(simulate(PROVIDER, { functionName: 'requestAccess', args: [addr(PATIENT), '0x'] }), 'GrantsEmptyRequest()', []);
		await expectRevert(simulate(PROVIDER, { functionName: 'requestAccess', args: [addr(PATIENT), fill(1, 2049)] }), 'GrantsRequestTooLong(uint256,uint256)', [
			2049n,
			2048n
		]);
		const one = await requestAccess(PROVIDER, PATIENT, '0x01');
		expect(await requestAccess(PROVIDER_2, PATIENT, fill(2, 2048))).toBe(one + 1n);
	});

	it('the patient declines: AccessRequestAnswered(id, patient, false, 0); status Declined; no grant', async () => {
		const id = await requestAccess(PROVIDER, PATIENT);
		const grants = await grantCount();
		const receipt = await send(PATIENT, { functionName: 'declineRequest', args: [id] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['AccessRequestAnswered', { id, patient: addr(PATIENT), approved: false, grantId: 0n }]]);
		expect(await requestOf(id)).toEqual([addr(PATIENT), addr(PROVIDER), DECLINED]);
		expect(await grantCount()).toBe(grants);
	});

	it('the patient approves: one call grants the requester (Granted names it as grantee), then AccessRequestAnswered(id, patient, true, grantId); status Approved', async () => {
		const id = await requestAccess(PROVIDER_2, PATIENT_2);
		const grantId = (await grantCount()) + 1n;
		const pointer = sealed('approval');
		const expiresAt = (await t.now()) + BigInt(HOUR);
		const receipt = await send(PATIENT_2, { functionName: 'approveRequest', args: [id, expiresAt, pointer, commit(pointer)] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([
			['Granted', { id: grantId, patient: addr(PATIENT_2), grantee: addr(PROVIDER_2), expiresAt, commitment: commit(pointer), sealedPointer: pointer }],
			['AccessRequestAnswered', { id, patient: addr(PATIENT_2), approved: true, grantId }]
		]);
		expect(await requestOf(id)).toEqual([addr(PATIENT_2), addr(PROVIDER_2), APPROVED]);
		expect(await grantOf(grantId)).toEqual([addr(PATIENT_2), expiresAt, false, true]);
		// The grant is an ordinary one: its patient updates and revokes it.
		await send(PATIENT_2, { functionName: 'updatePointer', args: [grantId, pointer, commit(pointer)] });
		await send(PATIENT_2, { functionName: 'revoke', args: [grantId] });
		expect(await isActive(grantId)).toBe(false);
	});

	it('an approval cannot grant anyone but the requester: no grant of another grantee or of another patient can answer it', async () => {
		// Before: the answer named a grant id, and any active grant of the patient passed. Now the
		// approval carries no grantee and no grant id: the function has no way to name one.
		const approve = grantsAbi.find((e) => e.type === 'function' && e.name === 'approveRequest');
		expect(approve && 'inputs' in approve ? approve.inputs.map((i) => `${i.type} ${i.name}`) : []).toEqual([
			'uint256 id',
			'uint64 expiresAt',
			'bytes sealedPointer',
			'bytes32 commitment'
		]);
		expect(grantsAbi.some((e) => e.type === 'function' && e.name === 'answerRequest')).toBe(false);
		const id = await requestAccess(PROVIDER, PATIENT);
		// Grants that exist elsewhere: the patient's to another provider, another patient's to the requester.
		await grant(PATIENT, addr(PROVIDER_2));
		await grant(PATIENT_2, addr(PROVIDER));
		const receipt = await send(PATIENT, { functionName: 'approveRequest', args: [id, 0n, sealed('mine'), commit(sealed('mine'))] });
		const [granted] = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'Granted' });
		const [answered] = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'AccessRequestAnswered' });
		expect(granted.args).toMatchObject({ patient: addr(PATIENT), grantee: addr(PROVIDER) });
		expect(answered.args.grantId).toBe(granted.args.id);
	});

	it('an approval makes the same checks as a grant, and a refused one leaves the request pending', async () => {
		const id = await requestAccess(PROVIDER, PATIENT);
		const p = sealed('checked');
		await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 0n, '0x', commit(p)] }), 'GrantsEmptyPointer()', []);
		await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 0n, fill(1, 1025), commit(p)] }), 'GrantsPointerTooLong(uint256,uint256)', [1025n, 1024n]);
		await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 0n, p, zeroHash] }), 'GrantsZeroCommitment()', []);
		await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 1n, p, commit(p)] }), 'GrantsExpiryInPast(uint64,uint256)');
		expect(await requestOf(id)).toEqual([addr(PATIENT), addr(PROVIDER), PENDING]);
	});

	it('nobody but the addressed patient answers (the requester, another patient, a stranger): GrantsNotRequestedPatient(id, caller)', async () => {
		const id = await requestAccess(PROVIDER, PATIENT);
		const p = sealed('not yours');
		const grants = await grantCount();
		for (const index of [PROVIDER, PATIENT_2, NOBODY]) {
			await expectRevert(simulate(index, { functionName: 'approveRequest', args: [id, 0n, p, commit(p)] }), 'GrantsNotRequestedPatient(uint256,address)', [id, addr(index)]);
			await expectRevert(simulate(index, { functionName: 'declineRequest', args: [id] }), 'GrantsNotRequestedPatient(uint256,address)', [id, addr(index)]);
		}
		expect((await requestOf(id))[2]).toBe(PENDING);
		expect(await grantCount()).toBe(grants);
	});

	it('a request is answered once: GrantsRequestAlreadyAnswered(id); an unknown id: GrantsRequestUnknown(id)', async () => {
		const p = sealed('once');
		const declined = await requestAccess(PROVIDER, PATIENT);
		await send(PATIENT, { functionName: 'declineRequest', args: [declined] });
		const approved = await requestAccess(PROVIDER, PATIENT);
		await send(PATIENT, { functionName: 'approveRequest', args: [approved, 0n, p, commit(p)] });
		for (const id of [declined, approved]) {
			await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 0n, p, commit(p)] }), 'GrantsRequestAlreadyAnswered(uint256)', [id]);
			await expectRevert(simulate(PATIENT, { functionName: 'declineRequest', args: [id] }), 'GrantsRequestAlreadyAnswered(uint256)', [id]);
		}
		// Another account still gets NotRequestedPatient, not the answer.
		await expectRevert(simulate(PATIENT_2, { functionName: 'declineRequest', args: [declined] }), 'GrantsNotRequestedPatient(uint256,address)', [
			declined,
			addr(PATIENT_2)
		]);
		for (const id of [0n, (await requestCount()) + 1n, 2n ** 256n - 1n]) {
			await expectRevert(simulate(PATIENT, { functionName: 'declineRequest', args: [id] }), 'GrantsRequestUnknown(uint256)', [id]);
			await expectRevert(simulate(PATIENT, { functionName: 'approveRequest', args: [id, 0n, p, commit(p)] }), 'GrantsRequestUnknown(uint256)', [id]);
			expect(await requestOf(id)).toEqual([zeroAddress, zeroAddress, 0]);
		}
	});
});

it('commitments are any non-zero 32 bytes: a keccak of text works as well as of the pointer', async () => {
	const p = sealed('text commitment');
	const c = keccak256(toHex('any binding'));
	const receipt = await send(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), 0n, p, c] });
	const [granted] = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'Granted' });
	expect(granted.args.commitment).toBe(c);
});

describe('Grants: reportAccess (the access log)', () => {
	it("the grantee's app reports an opening of an active grant: AccessReported(id, patient, grantee, count), nothing stored", async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		const before = await grantOf(id);
		const receipt = await send(PROVIDER, { functionName: 'reportAccess', args: [id, 3] });
		const logs = parseEventLogs({ abi: grantsAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['AccessReported', { id, patient: addr(PATIENT), grantee: addr(PROVIDER), count: 3 }]]);
		expect(await grantOf(id)).toEqual(before);
	});

	it('nobody but the grantee reports (the patient, another provider, a stranger): GrantsNotGrantee(id, caller)', async () => {
		const id = await grant(PATIENT, addr(PROVIDER));
		for (const index of [PATIENT, PROVIDER_2, NOBODY, LINK])
			await expectRevert(simulate(index, { functionName: 'reportAccess', args: [id, 1] }), 'GrantsNotGrantee(uint256,address)', [id, addr(index)]);
		// The grantee of another grant of the same patient is not this grant's grantee either.
		const other = await grant(PATIENT, addr(PROVIDER_2));
		await expectRevert(simulate(PROVIDER_2, { functionName: 'reportAccess', args: [id, 1] }), 'GrantsNotGrantee(uint256,address)', [id, addr(PROVIDER_2)]);
		await send(PROVIDER_2, { functionName: 'reportAccess', args: [other, 1] });
	});

	it('refuses unknown (GrantsUnknown), revoked (GrantsRevoked) and expired (GrantsExpired) grants, and a count of 0 (GrantsZeroCount)', async () => {
		await expectRevert(simulate(PROVIDER, { functionName: 'reportAccess', args: [999_999n, 1] }), 'GrantsUnknown(uint256)', [999_999n]);
		const id = await grant(PATIENT, addr(PROVIDER));
		await expectRevert(simulate(PROVIDER, { functionName: 'reportAccess', args: [id, 0] }), 'GrantsZeroCount()', []);
		await send(PATIENT, { functionName: 'revoke', args: [id] });
		await expectRevert(simulate(PROVIDER, { functionName: 'reportAccess', args: [id, 1] }), 'GrantsRevoked(uint256)', [id]);
		const expiring = await grant(PATIENT, addr(PROVIDER), (await t.now()) + BigInt(HOUR));
		await send(PROVIDER, { functionName: 'reportAccess', args: [expiring, 1] });
		await t.advanceTime(HOUR);
		await expectRevert(simulate(PROVIDER, { functionName: 'reportAccess', args: [expiring, 1] }), 'GrantsExpired(uint256)', [expiring]);
	});

	it('the grantee tag shares the grant\'s one slot: expiries beyond 40 bits are refused (GrantsExpiryTooLate), the largest is kept exactly', async () => {
		const p = sealed('far');
		const max = 2n ** 40n - 1n;
		await expectRevert(simulate(PATIENT, { functionName: 'grant', args: [addr(PROVIDER), max + 1n, p, commit(p)] }), 'GrantsExpiryTooLate(uint64,uint64)', [max + 1n, max]);
		const id = await grant(PATIENT, addr(PROVIDER), max, p);
		expect(await grantOf(id)).toEqual([addr(PATIENT), max, false, true]);
		await send(PROVIDER, { functionName: 'reportAccess', args: [id, 1] });
	});
});
