/**
 * The viem GrantChain adapter end to end against a real anvil: grants with a
 * real sealed pointer (libsodium sealed box to the grantee's published inbox
 * key) read back from events by a wallet-less reader and opened, pointer
 * updates, expiry by block time, revocation, access requests seen from both
 * sides, and each refusal mapped to its error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, keccak256, zeroHash, type Hex } from 'viem';
import { startGrantsTestChain, type GrantsTestChain } from '../../../contracts/test/grantsTestChain';
import { deriveVaultKeys, publicKeysOf, type VaultKeys } from '../crypto/keys';
import { openSealed, sealTo } from '../crypto/seal';
import type { GrantChain } from '../vault/grantPorts';
import { createGrantChain } from './grantChain';
import { createProviderChain } from './providerChain';
import { createVaultChain } from './vaultChain';
import { InvalidChainInputError, TransactionFailedError } from './errors';
import { GrantExpiredError, GrantRevokedError, ShareInputError } from '../vault/sharing/errors';
import { NotARegisteredProviderError, PatientNotRegisteredError } from '../vault/proposals/errors';

let t: GrantsTestChain;
const keys = new Map<number, VaultKeys>();

// Dev accounts: 1 and 2 patients, 3 a physician, 4 keys but no provider profile, 5 a share link's throwaway address.
const PATIENT = 1;
const PATIENT_2 = 2;
const DOCTOR = 3;
const KEYS_ONLY = 4;
const LINK = 5;

const addr = (index: number) => t.account(index).address;
const chainFor = (index: number): GrantChain =>
	createGrantChain({
		publicClient: t.publicClient,
		walletClient: t.walletClient(index),
		account: t.account(index),
		addresses: t.addresses,
		fromBlock: BigInt(t.deployBlock)
	});
/** What a share-link viewer has: a public client, no wallet. */
const readOnly = (): GrantChain => createGrantChain({ publicClient: t.publicClient, addresses: t.addresses, fromBlock: BigInt(t.deployBlock) });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => new Error('expected a rejection'),
		(err: unknown) => err
	);
}

function expectFailed(err: unknown, errorName: string, errorArgs: readonly unknown[]) {
	expect(err).toBeInstanceOf(TransactionFailedError);
	expect((err as TransactionFailedError).errorName).toBe(errorName);
	expect((err as TransactionFailedError).errorArgs ?? []).toEqual(errorArgs);
}

/** A revert the use cases act on arrives as their own error, the contract's refusal kept as its cause. */
function expectTranslated(err: unknown, type: abstract new (...args: never[]) => Error, errorName: string, errorArgs: readonly unknown[]) {
	expect(err).toBeInstanceOf(type);
	expectFailed((err as Error).cause, errorName, errorArgs);
}

/** A pointer sealed to `grantee`'s published inbox key, and its commitment. */
async function pointerFor(grantee: number, text: string): Promise<{ sealedPointer: Uint8Array; commitment: Hex }> {
	const published = await createVaultChain({ publicClient: t.publicClient, addresses: t.addresses }).readKeys(addr(grantee));
	if (!published) throw new Error(`account ${grantee} has no keys`);
	const sealedPointer = await sealTo(published.inbox, new TextEncoder().encode(text));
	return { sealedPointer, commitment: keccak256(sealedPointer) };
}

async function opened(grantee: number, sealedPointer: Uint8Array): Promise<string> {
	const k = keys.get(grantee);
	if (!k) throw new Error(`account ${grantee} has no keys`);
	return new TextDecoder().decode(await openSealed(k.inbox, sealedPointer));
}

const blockOf = async (hash: Hex) => (await t.publicClient.getTransactionReceipt({ hash })).blockNumber;

beforeAll(async () => {
	t = await startGrantsTestChain();
	for (const index of [PATIENT, PATIENT_2, DOCTOR, KEYS_ONLY]) {
		const k = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		keys.set(index, k);
		await createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account: t.account(index), addresses: t.addresses }).publishKeys(
			publicKeysOf(k)
		);
	}
	await createProviderChain({ publicClient: t.publicClient, walletClient: t.walletClient(DOCTOR), account: t.account(DOCTOR), addresses: t.addresses }).registerProvider({
		name: 'Dr. Ada Moreau',
		role: 'physician'
	});
});
afterAll(async () => {
	await t?.stop();
});

describe('createGrantChain: grants', () => {
	it('grants in one transaction; a wallet-less reader gets the state and the sealed pointer, which the grantee opens', async () => {
		const p = await pointerFor(DOCTOR, '{"cid":"bafy-v1","key":"k1"}');
		const expiresAt = Number(await t.now()) + 3600;
		const { hash, id } = await chainFor(PATIENT).grant({ grantee: addr(DOCTOR), expiresAt, ...p });
		expect(id).toBeGreaterThan(0n);
		const state = await readOnly().readGrant(id);
		expect(state).toEqual({
			id,
			patient: addr(PATIENT),
			grantee: addr(DOCTOR),
			commitment: p.commitment,
			expiresAt,
			revoked: false,
			active: true,
			sealedPointer: p.sealedPointer,
			grantedBlock: await blockOf(hash)
		});
		expect(await opened(DOCTOR, state!.sealedPointer)).toBe('{"cid":"bafy-v1","key":"k1"}');
	});

	it('updatePointer: the latest pointer, commitment and block are read back; listings by patient and by grantee agree', async () => {
		const patient = chainFor(PATIENT);
		const { id } = await patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, ...(await pointerFor(DOCTOR, 'v1')) });
		const v2 = await pointerFor(DOCTOR, 'v2');
		await patient.updatePointer({ id, ...(await pointerFor(DOCTOR, 'v1.5')) });
		const hash = await patient.updatePointer({ id, ...v2 });
		const state = await readOnly().readGrant(id);
		expect(state).toMatchObject({ id, commitment: v2.commitment, sealedPointer: v2.sealedPointer, grantedBlock: await blockOf(hash), active: true, expiresAt: 0 });
		expect(await opened(DOCTOR, state!.sealedPointer)).toBe('v2');

		const byPatient = await readOnly().listGrantsByPatient(addr(PATIENT));
		const forDoctor = await readOnly().listGrantsForGrantee(addr(DOCTOR));
		expect(byPatient.find((g) => g.id === id)).toEqual(state);
		expect(forDoctor.find((g) => g.id === id)).toEqual(state);
		expect(byPatient.every((g) => g.patient === addr(PATIENT))).toBe(true);
		expect(forDoctor.every((g) => g.grantee === addr(DOCTOR))).toBe(true);
		expect(byPatient.map((g) => g.id)).toEqual([...byPatient.map((g) => g.id)].sort((a, b) => Number(a - b)));
	});

	it('only the patient updates or revokes: GrantsNotPatient(id, caller); the grant stays active', async () => {
		const p = await pointerFor(DOCTOR, 'mine');
		const { id } = await chainFor(PATIENT).grant({ grantee: addr(DOCTOR), expiresAt: 0, ...p });
		for (const index of [DOCTOR, PATIENT_2]) {
			expectFailed(await rejection(chainFor(index).revoke({ id })), 'GrantsNotPatient', [id, addr(index)]);
			expectFailed(await rejection(chainFor(index).updatePointer({ id, ...p })), 'GrantsNotPatient', [id, addr(index)]);
		}
		expect((await readOnly().readGrant(id))?.active).toBe(true);
	});

	it('expiry follows block time: active until expiresAt, then inactive, and an expired grant refuses updates (GrantsExpired)', async () => {
		const p = await pointerFor(DOCTOR, 'short');
		const { id } = await chainFor(PATIENT).grant({ grantee: addr(DOCTOR), expiresAt: Number(await t.now()) + 120, ...p });
		await t.advanceTime(60);
		expect(await readOnly().readGrant(id)).toMatchObject({ active: true, revoked: false });
		await t.advanceTime(60);
		expect(await readOnly().readGrant(id)).toMatchObject({ active: false, revoked: false });
		expect((await readOnly().listGrantsForGrantee(addr(DOCTOR))).find((g) => g.id === id)?.active).toBe(false);
		const expired = await rejection(chainFor(PATIENT).updatePointer({ id, ...p }));
		expectTranslated(expired, GrantExpiredError, 'GrantsExpired', [id]);
		expect(expired).toMatchObject({ grantId: id, expiresAt: (await readOnly().readGrant(id))?.expiresAt });
	});

	it('revoke: revoked and inactive for every reader; a second revoke or an update is GrantsRevoked(id)', async () => {
		const p = await pointerFor(DOCTOR, 'to revoke');
		const patient = chainFor(PATIENT);
		const { id } = await patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, ...p });
		await patient.revoke({ id });
		expect(await readOnly().readGrant(id)).toMatchObject({ revoked: true, active: false, sealedPointer: p.sealedPointer });
		expectFailed(await rejection(patient.revoke({ id })), 'GrantsRevoked', [id]);
		expectTranslated(await rejection(patient.updatePointer({ id, ...p })), GrantRevokedError, 'GrantsRevoked', [id]);
	});

	it('a share link: a grant to a throwaway address without keys, read back by id with no wallet', async () => {
		const { id } = await chainFor(PATIENT_2).grant({ grantee: addr(LINK), expiresAt: 0, sealedPointer: new Uint8Array(120).fill(7), commitment: keccak256('0x07') });
		expect(await readOnly().readGrant(id)).toMatchObject({ id, patient: addr(PATIENT_2), grantee: addr(LINK), active: true });
		expect((await readOnly().listGrantsForGrantee(addr(LINK))).map((g) => g.id)).toEqual([id]);
	});

	it('an unknown grant reads as null; an account with no grants lists none', async () => {
		expect(await readOnly().readGrant(0n)).toBeNull();
		expect(await readOnly().readGrant(10_000n)).toBeNull();
		expect(await readOnly().listGrantsByPatient(addr(KEYS_ONLY))).toEqual([]);
		expect(await readOnly().listGrantsForGrantee(addr(KEYS_ONLY))).toEqual([]);
	});

	it('refuses bad input before sending, and writes without a wallet', async () => {
		const p = await pointerFor(DOCTOR, 'x');
		const patient = chainFor(PATIENT);
		const bad = [
			patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, sealedPointer: new Uint8Array(0), commitment: p.commitment }),
			patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, sealedPointer: new Uint8Array(1025), commitment: p.commitment }),
			patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, sealedPointer: p.sealedPointer, commitment: zeroHash }),
			patient.grant({ grantee: addr(DOCTOR), expiresAt: 0, sealedPointer: p.sealedPointer, commitment: '0x1234' }),
			patient.grant({ grantee: addr(DOCTOR), expiresAt: -1, ...p }),
			patient.grant({ grantee: addr(DOCTOR), expiresAt: 1.5, ...p }),
			patient.grant({ grantee: '0x1234', expiresAt: 0, ...p }),
			patient.revoke({ id: -1n }),
			patient.approveRequest({ id: -1n, expiresAt: 0, ...p }),
			patient.approveRequest({ id: 1n, expiresAt: 0, sealedPointer: p.sealedPointer, commitment: zeroHash }),
			patient.declineRequest({ id: -1n }),
			readOnly().grant({ grantee: addr(DOCTOR), expiresAt: 0, ...p }),
			readOnly().revoke({ id: 1n })
		];
		for (const promise of bad) expect(await rejection(promise)).toBeInstanceOf(InvalidChainInputError);
	});

	it('an expiry already past is refused by the contract: GrantsExpiryInPast', async () => {
		const err = await rejection(chainFor(PATIENT).grant({ grantee: addr(DOCTOR), expiresAt: 1, ...(await pointerFor(DOCTOR, 'late')) }));
		expect(err).toBeInstanceOf(ShareInputError);
		expect((err as Error).cause).toBeInstanceOf(TransactionFailedError);
		expect(((err as Error).cause as TransactionFailedError).errorName).toBe('GrantsExpiryInPast');
	});
});

describe('createGrantChain: access requests', () => {
	it('a provider asks, the patient sees it pending, approves (one transaction grants the requester); both sides see the outcome', async () => {
		const sealed = (await pointerFor(PATIENT, '{"reason":"follow-up","categories":["medications"]}')).sealedPointer;
		const doctor = chainFor(DOCTOR);
		const { id } = await doctor.requestAccess({ patient: addr(PATIENT), sealedRequest: sealed });
		const pending = (await readOnly().listRequestsForPatient(addr(PATIENT))).find((r) => r.id === id);
		expect(pending).toEqual({ id, requester: addr(DOCTOR), patient: addr(PATIENT), sealedRequest: sealed, status: 'pending' });
		expect(await opened(PATIENT, pending!.sealedRequest)).toContain('follow-up');

		const patient = chainFor(PATIENT);
		const p = await pointerFor(DOCTOR, 'answer');
		const { grantId } = await patient.approveRequest({ id, expiresAt: 0, ...p });
		expect(await readOnly().readGrant(grantId)).toMatchObject({ id: grantId, patient: addr(PATIENT), grantee: addr(DOCTOR), commitment: p.commitment, active: true });
		expect(await opened(DOCTOR, (await readOnly().readGrant(grantId))!.sealedPointer)).toBe('answer');
		expect((await readOnly().listRequestsByRequester(addr(DOCTOR))).find((r) => r.id === id)).toEqual({ ...pending, status: 'approved', grantId });
		expectFailed(await rejection(patient.declineRequest({ id })), 'GrantsRequestAlreadyAnswered', [id]);
		expectFailed(await rejection(patient.approveRequest({ id, expiresAt: 0, ...p })), 'GrantsRequestAlreadyAnswered', [id]);
	});

	it('the patient declines: declined, no grant id; only the addressed patient answers', async () => {
		const { id } = await chainFor(DOCTOR).requestAccess({ patient: addr(PATIENT_2), sealedRequest: new Uint8Array([1, 2, 3]) });
		expectFailed(await rejection(chainFor(PATIENT).declineRequest({ id })), 'GrantsNotRequestedPatient', [id, addr(PATIENT)]);
		expectFailed(await rejection(chainFor(PATIENT).approveRequest({ id, expiresAt: 0, ...(await pointerFor(DOCTOR, 'not mine')) })), 'GrantsNotRequestedPatient', [
			id,
			addr(PATIENT)
		]);
		await chainFor(PATIENT_2).declineRequest({ id });
		const [declined] = (await readOnly().listRequestsForPatient(addr(PATIENT_2))).filter((r) => r.id === id);
		expect(declined).toEqual({ id, requester: addr(DOCTOR), patient: addr(PATIENT_2), sealedRequest: new Uint8Array([1, 2, 3]), status: 'declined' });
	});

	it('refusals: a non-provider asks (GrantsNotProvider), a patient without keys is asked (GrantsPatientNotRegistered), an approval with an expiry already past (GrantsExpiryInPast)', async () => {
		expectTranslated(await rejection(chainFor(KEYS_ONLY).requestAccess({ patient: addr(PATIENT), sealedRequest: new Uint8Array([1]) })), NotARegisteredProviderError, 'GrantsNotProvider', [addr(KEYS_ONLY)]);
		expectTranslated(await rejection(chainFor(DOCTOR).requestAccess({ patient: addr(LINK), sealedRequest: new Uint8Array([1]) })), PatientNotRegisteredError, 'GrantsPatientNotRegistered', [addr(LINK)]);
		const { id } = await chainFor(DOCTOR).requestAccess({ patient: addr(PATIENT), sealedRequest: new Uint8Array([9]) });
		const err = await rejection(chainFor(PATIENT).approveRequest({ id, expiresAt: 1, ...(await pointerFor(DOCTOR, 'late')) }));
		expect(err).toBeInstanceOf(ShareInputError);
		expect(((err as Error).cause as TransactionFailedError).errorName).toBe('GrantsExpiryInPast');
		expect((await readOnly().listRequestsForPatient(addr(PATIENT))).find((r) => r.id === id)?.status).toBe('pending');
		expect(await rejection(chainFor(DOCTOR).requestAccess({ patient: addr(PATIENT), sealedRequest: new Uint8Array(2049) }))).toBeInstanceOf(InvalidChainInputError);
	});

	it('a provider with no requests, and a patient never asked, list none', async () => {
		expect(await readOnly().listRequestsByRequester(addr(KEYS_ONLY))).toEqual([]);
		expect(await readOnly().listRequestsForPatient(addr(KEYS_ONLY))).toEqual([]);
	});
});

// The commitment is opaque to the chain: any non-zero 32 bytes bind the pointer.
it('stores the commitment it was given, byte for byte', async () => {
	const sealedPointer = new Uint8Array(64).fill(3);
	const commitment = bytesToHex(new Uint8Array(32).fill(0xab));
	const { id } = await chainFor(PATIENT_2).grant({ grantee: addr(DOCTOR), expiresAt: 0, sealedPointer, commitment });
	expect((await readOnly().readGrant(id))?.commitment).toBe(commitment);
});
