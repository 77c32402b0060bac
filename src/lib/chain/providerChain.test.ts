/**
 * The viem ProviderChain adapter end to end against a real anvil: provider
 * registration, a real sealed proposal (libsodium sealed box to the patient's
 * published inbox key) read back from events and opened, decisions seen from
 * both sides, and each refusal mapped to its error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, custom, http, keccak256, toHex, zeroHash, type Hex } from 'viem';
import { startGrantsTestChain, type GrantsTestChain } from '../../../contracts/test/grantsTestChain';
import { deriveVaultKeys, publicKeysOf, type VaultKeys } from '../crypto/keys';
import { openSealed, sealTo } from '../crypto/seal';
import type { ProviderChain } from '../vault/providerPorts';
import { createProviderChain } from './providerChain';
import { createVaultChain } from './vaultChain';
import { InvalidChainInputError, TransactionFailedError } from './errors';
import { WalletCancelledError } from '../vault/walletErrors';
import { NotARegisteredProviderError, PatientNotRegisteredError } from '../vault/proposals/errors';

let t: GrantsTestChain;
const keys = new Map<number, VaultKeys>();

// Dev accounts: 1 physician, 2 lab, 3 and 4 patients, 5 keys but no provider profile, 6 nothing at all.
const DOCTOR = 1;
const LAB = 2;
const PATIENT = 3;
const PATIENT_2 = 4;
const KEYS_ONLY = 5;
const NOBODY = 6;

const chainFor = (index: number): ProviderChain =>
	createProviderChain({
		publicClient: t.publicClient,
		walletClient: t.walletClient(index),
		account: t.account(index),
		addresses: t.addresses,
		fromBlock: BigInt(t.deployBlock)
	});
const addr = (index: number) => t.account(index).address;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => new Error('expected a rejection'),
		(err: unknown) => err
	);
}

function expectFailed(err: unknown, errorName: string, errorArgs: readonly unknown[]) {
	expect(err).toBeInstanceOf(TransactionFailedError);
	expect((err as TransactionFailedError).errorName).toBe(errorName);
	// viem leaves args undefined for an error without parameters.
	expect((err as TransactionFailedError).errorArgs ?? []).toEqual(errorArgs);
}

/** What a provider's browser does: seal the proposal to the patient's published inbox key. */
async function sealFor(patient: number, text: string): Promise<Uint8Array> {
	const vault = createVaultChain({ publicClient: t.publicClient, addresses: t.addresses });
	const published = await vault.readKeys(addr(patient));
	if (!published) throw new Error(`account ${patient} has no keys`);
	return sealTo(published.inbox, new TextEncoder().encode(text));
}

beforeAll(async () => {
	t = await startGrantsTestChain();
	for (const index of [DOCTOR, LAB, PATIENT, PATIENT_2, KEYS_ONLY]) {
		const k = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		keys.set(index, k);
		await createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account: t.account(index), addresses: t.addresses }).publishKeys(
			publicKeysOf(k)
		);
	}
});
afterAll(async () => {
	await t?.stop();
});

describe('createProviderChain: provider profiles', () => {
	it('registers, reads back and updates a profile; an unregistered account reads as null', async () => {
		const doctor = chainFor(DOCTOR);
		expect(await doctor.readProvider(addr(DOCTOR))).toBeNull();
		const hash = await doctor.registerProvider({ name: 'Dr. Ada Moreau', role: 'physician' });
		const receipt = await t.publicClient.getTransactionReceipt({ hash });
		const block = await t.publicClient.getBlock({ blockNumber: receipt.blockNumber });
		expect(await doctor.readProvider(addr(DOCTOR))).toEqual({
			address: addr(DOCTOR),
			name: 'Dr. Ada Moreau',
			role: 'physician',
			updatedAt: Number(block.timestamp)
		});

		await chainFor(LAB).registerProvider({ name: 'Laboratoire Rhône-Alpes', role: 'other' });
		await chainFor(LAB).registerProvider({ name: 'Labo Rhône', role: 'lab' });
		expect(await chainFor(PATIENT).readProvider(addr(LAB))).toMatchObject({ address: addr(LAB), name: 'Labo Rhône', role: 'lab' });
		// Lower-case input still reads as the checksummed address.
		expect((await doctor.readProvider(addr(LAB).toLowerCase() as Hex))?.address).toBe(addr(LAB));
		expect(await doctor.readProvider(addr(PATIENT))).toBeNull();
	});

	it('refusals: no keys yet (KeyRegistryKeysNotPublished), a name over 64 bytes, an unknown role (before sending)', async () => {
		expectFailed(await rejection(chainFor(NOBODY).registerProvider({ name: 'Dr. Nobody', role: 'physician' })), 'KeyRegistryKeysNotPublished', [addr(NOBODY)]);
		expectFailed(await rejection(chainFor(KEYS_ONLY).registerProvider({ name: 'é'.repeat(40), role: 'lab' })), 'KeyRegistryProviderNameTooLong', [80n, 64n]);
		const badRole = await rejection(chainFor(KEYS_ONLY).registerProvider({ name: 'Dr. X', role: 'surgeon' as never }));
		expect(badRole).toBeInstanceOf(InvalidChainInputError);
		expect(await chainFor(KEYS_ONLY).readProvider(addr(KEYS_ONLY))).toBeNull();
	});
});

describe('createProviderChain: proposals', () => {
	it('round trip: a sealed proposal reaches the patient’s inbox and the provider’s outbox, opens with the patient’s key, and decisions show on both sides', async () => {
		const doctor = chainFor(DOCTOR);
		const lab = chainFor(LAB);
		const patient = chainFor(PATIENT);
		expect(await patient.listForPatient(addr(PATIENT))).toEqual([]);

		const sealedA = await sealFor(PATIENT, 'proposal A: blood pressure note');
		const sealedB = await sealFor(PATIENT, 'proposal B: lipid panel');
		const a = await doctor.propose({ patient: addr(PATIENT), sealedPayload: sealedA });
		const b = await lab.propose({ patient: addr(PATIENT), sealedPayload: sealedB });
		expect(b.id).toBe(a.id + 1n);
		const receiptA = await t.publicClient.getTransactionReceipt({ hash: a.hash });

		const inbox = await patient.listForPatient(addr(PATIENT));
		expect(inbox).toEqual([
			{ id: a.id, provider: addr(DOCTOR), patient: addr(PATIENT), sealedPayload: sealedA, status: 'pending', blockNumber: receiptA.blockNumber, txHash: a.hash },
			expect.objectContaining({ id: b.id, provider: addr(LAB), status: 'pending', txHash: b.hash })
		]);
		const opened = await openSealed(keys.get(PATIENT)!.inbox, inbox[0].sealedPayload);
		expect(new TextDecoder().decode(opened)).toBe('proposal A: blood pressure note');
		expect(await patient.readProposal(a.id)).toEqual({ id: a.id, provider: addr(DOCTOR), patient: addr(PATIENT), status: 'pending' });

		const anchorRoot = keccak256(toHex('batch with the accepted record'));
		const acceptHash = await patient.accept({ id: a.id, anchorRoot });
		const rejectHash = await patient.reject({ id: b.id });
		const acceptedAt = Number(
			(await t.publicClient.getBlock({ blockNumber: (await t.publicClient.getTransactionReceipt({ hash: acceptHash })).blockNumber })).timestamp
		);

		const decided = await patient.listForPatient(addr(PATIENT));
		expect(decided.map((p) => [p.id, p.status, p.decisionTxHash])).toEqual([
			[a.id, 'accepted', acceptHash],
			[b.id, 'rejected', rejectHash]
		]);
		expect(decided[0]).toMatchObject({ decidedAt: acceptedAt, anchorRoot });
		expect(decided[1].anchorRoot).toBeUndefined();
		expect(decided[1].decidedAt).toBeGreaterThanOrEqual(acceptedAt);

		// The provider sees its own proposals only, with the patient's decisions.
		const outbox = await doctor.listByProvider(addr(DOCTOR));
		expect(outbox).toHaveLength(1);
		expect(outbox[0]).toMatchObject({ id: a.id, patient: addr(PATIENT), status: 'accepted', decidedAt: acceptedAt, anchorRoot });
		expect((await lab.listByProvider(addr(LAB))).map((p) => [p.id, p.status])).toEqual([[b.id, 'rejected']]);
		expect(await doctor.readProposal(b.id)).toMatchObject({ status: 'rejected', decidedAt: expect.any(Number) });
	});

	it('lists only the asked party’s proposals, from the given block on', async () => {
		const doctor = chainFor(DOCTOR);
		const { id, hash } = await doctor.propose({ patient: addr(PATIENT_2), sealedPayload: await sealFor(PATIENT_2, 'for patient 2') });
		const { blockNumber } = await t.publicClient.getTransactionReceipt({ hash });
		expect((await doctor.listForPatient(addr(PATIENT_2))).map((p) => p.id)).toEqual([id]);
		expect((await doctor.listForPatient(addr(PATIENT))).map((p) => p.id)).not.toContain(id);
		expect(await doctor.listForPatient(addr(PATIENT_2), { fromBlock: blockNumber + 1n })).toEqual([]);
		expect(await doctor.listForPatient(addr(PATIENT_2), { fromBlock: blockNumber + 1000n })).toEqual([]);
		expect(await doctor.listByProvider(addr(KEYS_ONLY))).toEqual([]);
	});

	it('refusals become TransactionFailedError naming the custom error and its arguments; the two a use case acts on arrive as its own errors, caused by it', async () => {
		const payload = await sealFor(PATIENT, 'x');
		const notProvider = await rejection(chainFor(KEYS_ONLY).propose({ patient: addr(PATIENT), sealedPayload: payload }));
		expect(notProvider).toBeInstanceOf(NotARegisteredProviderError);
		expectFailed((notProvider as Error).cause, 'ProposalsNotProvider', [addr(KEYS_ONLY)]);
		const noPatient = await rejection(chainFor(DOCTOR).propose({ patient: addr(NOBODY), sealedPayload: payload }));
		expect(noPatient).toBeInstanceOf(PatientNotRegisteredError);
		expectFailed((noPatient as Error).cause, 'ProposalsPatientNotRegistered', [addr(NOBODY)]);
		expectFailed(await rejection(chainFor(DOCTOR).propose({ patient: addr(PATIENT), sealedPayload: new Uint8Array(0) })), 'ProposalsEmptyPayload', []);

		const { id } = await chainFor(DOCTOR).propose({ patient: addr(PATIENT), sealedPayload: payload });
		expectFailed(await rejection(chainFor(PATIENT_2).accept({ id })), 'ProposalsNotPatient', [id, addr(PATIENT_2)]);
		expectFailed(await rejection(chainFor(DOCTOR).reject({ id })), 'ProposalsNotPatient', [id, addr(DOCTOR)]);
		await chainFor(PATIENT).accept({ id });
		expectFailed(await rejection(chainFor(PATIENT).accept({ id })), 'ProposalsAlreadyDecided', [id, 2]);
		expectFailed(await rejection(chainFor(PATIENT).reject({ id })), 'ProposalsAlreadyDecided', [id, 2]);
		expect((await chainFor(PATIENT).listForPatient(addr(PATIENT))).find((p) => p.id === id)).toMatchObject({ status: 'accepted', anchorRoot: zeroHash });

		expectFailed(await rejection(chainFor(PATIENT).reject({ id: 10_000n })), 'ProposalsUnknown', [10_000n]);
		expect(await chainFor(PATIENT).readProposal(10_000n)).toBeNull();
		expect(await rejection(chainFor(PATIENT).accept({ id, anchorRoot: '0x1234' }))).toBeInstanceOf(InvalidChainInputError);
		expect(await rejection(chainFor(PATIENT).reject({ id: -1n }))).toBeInstanceOf(InvalidChainInputError);
	});

	it('a patient who cancels in the wallet gets WalletCancelledError (cancelled) and the proposal stays pending', async () => {
		const { id } = await chainFor(LAB).propose({ patient: addr(PATIENT_2), sealedPayload: await sealFor(PATIENT_2, 'y') });
		const upstream = http(t.rpcUrl, { retryCount: 0 })({ chain: t.chain, retryCount: 0 });
		const transport = custom({
			async request({ method, params }: { method: string; params?: unknown }) {
				if (method === 'eth_sendTransaction') throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
				return upstream.request({ method, params } as never);
			}
		});
		const refusing = createProviderChain({
			publicClient: t.publicClient,
			walletClient: createWalletClient({ chain: t.chain, transport, account: addr(PATIENT_2) }),
			account: addr(PATIENT_2),
			addresses: t.addresses,
			chainId: t.chain.id
		});
		const err = await rejection(refusing.accept({ id }));
		expect(err).toBeInstanceOf(WalletCancelledError);
		expect((err as WalletCancelledError).cancelled).toBe(true);
		expect(await refusing.readProposal(id)).toMatchObject({ status: 'pending' });
	});
});
