/**
 * Emergency access end to end in node on real parts: anvil with the deployed
 * contracts, the viem adapters, a Helia memory node and libsodium. A patient,
 * three guardians (threshold 2), a provider, and an outsider with a vault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, http, type Hex } from 'viem';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createEmergencyChain } from '../../chain/emergencyChain';
import { emergencyAuditSource } from '../../chain/emergencyAudit';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { createVault } from '../createVault';
import type { OpenVault } from '../deps';
import { registerAsProvider } from '../proposals/provider';
import { NotARegisteredProviderError } from '../proposals/errors';
import type { CurrentLists } from '../../records/reconcile';
import {
	EmergencyRequestStateError,
	EmergencySharesMissingError,
	GuardianSetupError,
	NoGuardiansError,
	NotAGuardianError,
	listGuardianRequests,
	openEmergencyScope,
	openReason,
	readMyEmergency,
	refreshScope,
	releaseShare,
	requestEmergencyAccess,
	setUpGuardians,
	type EmergencyPorts
} from '.';

let chain: TestChain;
let ipfs: MemoryNode;

function person(index: number) {
	const account = chain.account(index);
	const walletClient = chain.walletClient(index);
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex; grants: Hex; emergencyAccess: Hex };
	const common = { publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id };
	const signer = { address: account.address, chainId: chain.chain.id, signMessage: (message: string) => account.signMessage({ message }) };
	const ports: EmergencyPorts = { chain: createVaultChain(common), blobs: ipfs.blobStore, emergency: createEmergencyChain({ ...common, fromBlock: BigInt(chain.deployBlock) }) };
	const vaultDeps = { signer, chain: ports.chain, blobs: ipfs.blobStore, local: memoryLocal(), domain: 'carevault.test', verifySignature: async () => true };
	return { address: account.address, ports, vaultDeps, providers: createProviderChain(common), vault: null as unknown as OpenVault };
}

const item = (display: string, code: string) => ({ display, code, system: 'http://snomed.info/sct', since: '2020-01-02', source: 'Visit note, Dr. X', resourceIds: ['r1'] });
const LISTS: CurrentLists = {
	allergies: [item('Penicillin allergy', '91936005')],
	medications: [item('Lisinopril 10 mg', '314076')],
	problems: [item('Hypertension', '38341003')]
};
const HOUR = 3600;

let patient: ReturnType<typeof person>;
let provider: ReturnType<typeof person>;
let g1: ReturnType<typeof person>;
let g2: ReturnType<typeof person>;
let g3: ReturnType<typeof person>;
let outsider: ReturnType<typeof person>;
let startBlock: bigint;

async function advance(seconds: number) {
	const test = createTestClient({ chain: chain.chain, mode: 'anvil', transport: http(chain.rpcUrl) });
	await test.increaseTime({ seconds });
	await test.mine({ blocks: 1 });
}

beforeAll(async () => {
	chain = await startTestChain();
	ipfs = await createMemoryNode();
	startBlock = await chain.publicClient.getBlockNumber();
	[patient, provider, g1, g2, g3, outsider] = [1, 2, 3, 4, 5, 6].map(person);
	for (const [i, p] of [patient, provider, g1, g2, g3, outsider].entries())
		p.vault = (await createVault(p.vaultDeps, { passphrase: `emergency passphrase number ${i} of six` })).vault;
	await registerAsProvider({ ...provider.vaultDeps, providers: provider.providers }, { name: 'Urgences Nord', role: 'physician' });
}, 120_000);
afterAll(async () => {
	await ipfs?.stop();
	await chain?.stop();
});

describe('emergency access (node, real chain and IPFS)', () => {
	let firstRequest: bigint;

	it('refuses set-ups that cannot work, with a message; a provider cannot ask before guardians exist', async () => {
		const choice = { guardians: [g1.address], threshold: 1, waitingPeriod: HOUR, lists: LISTS, summary: '' };
		await expect(setUpGuardians(patient.ports, patient.vault, { ...choice, threshold: 2 })).rejects.toBeInstanceOf(GuardianSetupError);
		await expect(setUpGuardians(patient.ports, patient.vault, { ...choice, guardians: [patient.address] })).rejects.toBeInstanceOf(GuardianSetupError);
		await expect(setUpGuardians(patient.ports, patient.vault, { ...choice, guardians: [chain.account(9).address] })).rejects.toThrow(/no Carevault keys/);
		await expect(requestEmergencyAccess(provider.ports, { patient: patient.address, reason: 'x' })).rejects.toBeInstanceOf(NoGuardiansError);
	});

	it('the patient names 3 guardians (2 needed, 1 hour): the chain holds sealed pointers only, the patient reads the scope back', async () => {
		const { epoch } = await setUpGuardians(patient.ports, patient.vault, {
			guardians: [g1.address, g2.address, g3.address],
			threshold: 2,
			waitingPeriod: HOUR,
			lists: LISTS,
			summary: 'Blood group O+. Pacemaker.'
		});
		expect(epoch).toBe(1);
		const mine = await readMyEmergency(patient.ports, patient.vault);
		expect(mine?.setup).toMatchObject({ epoch: 1, threshold: 2, waitingPeriod: HOUR, guardians: [g1.address, g2.address, g3.address] });
		expect(mine?.scope).toMatchObject({ summary: 'Blood group O+. Pacemaker.', allergies: [{ display: 'Penicillin allergy', code: '91936005' }] });
		// No record ids or sources travel in the scope.
		expect(JSON.stringify(mine?.scope)).not.toMatch(/Visit note|resourceIds/);
		// Nothing on-chain reads as the scope, a CID or a share.
		const raw = new TextDecoder('latin1').decode(new Uint8Array([...mine!.setup.scopePointer, ...mine!.setup.sealedShares.flatMap((s) => [...s])]));
		expect(raw).not.toMatch(/Penicillin|bafy|bafk|Qm[1-9A-Za-z]{20}/);
		expect(await refreshScope(patient.ports, patient.vault, mine!, LISTS, 'Blood group O+. Pacemaker.')).toBe('unchanged');
	});

	it('only a registered provider opens a request; the reason is readable by the patient and the guardians, not by others', async () => {
		await expect(requestEmergencyAccess(outsider.ports, { patient: patient.address, reason: 'x' })).rejects.toBeInstanceOf(NotARegisteredProviderError);
		firstRequest = (await requestEmergencyAccess(provider.ports, { patient: patient.address, reason: 'Unconscious after a fall, A&E Nord' })).id;
		const request = (await patient.ports.emergency.readRequest(firstRequest))!;
		expect(request).toMatchObject({ provider: provider.address, patient: patient.address, status: 'open', epoch: 1 });
		for (const reader of [patient, g1, g2, g3]) expect(await openReason(reader.vault, request.sealedReason)).toBe('Unconscious after a fall, A&E Nord');
		for (const other of [outsider, provider]) expect(await openReason(other.vault, request.sealedReason)).toBeNull();
		const listed = await listGuardianRequests(g2.ports, g2.vault);
		expect(listed.map((l) => l.request.id)).toEqual([firstRequest]);
		expect(await listGuardianRequests(outsider.ports, outsider.vault)).toEqual([]);
	});

	it('unfinalised, non-guardian or fewer than t shares: the provider opens nothing; after finalize and 2 releases it opens the scope only', async () => {
		const id = firstRequest;
		await expect(openEmergencyScope(provider.ports, provider.vault, id)).rejects.toBeInstanceOf(EmergencyRequestStateError);
		await expect(outsider.ports.emergency.approve({ id })).rejects.toBeInstanceOf(NotAGuardianError);
		await g1.ports.emergency.approve({ id });
		await expect(openEmergencyScope(provider.ports, provider.vault, id)).rejects.toThrow(/not finalized/);
		await g2.ports.emergency.approve({ id });
		let request = (await g1.ports.emergency.readRequest(id))!;
		expect(request.status).toBe('waiting');
		await expect(releaseShare(g1.ports, g1.vault, request)).rejects.toBeInstanceOf(EmergencyRequestStateError);
		await expect(provider.ports.emergency.finalize({ id })).rejects.toThrow(/waiting period/);
		await advance(HOUR);
		await provider.ports.emergency.finalize({ id });
		request = (await g1.ports.emergency.readRequest(id))!;
		await expect(openEmergencyScope(provider.ports, provider.vault, id)).rejects.toMatchObject({ name: 'EmergencySharesMissingError', have: 0, need: 2 });
		// g3 did not approve: its app refuses to release, and so would the contract.
		await expect(releaseShare(g3.ports, g3.vault, request)).rejects.toBeInstanceOf(NotAGuardianError);
		await releaseShare(g1.ports, g1.vault, request);
		await expect(openEmergencyScope(provider.ports, provider.vault, id)).rejects.toEqual(new EmergencySharesMissingError(1, 2));
		await releaseShare(g2.ports, g2.vault, request);
		const scope = await openEmergencyScope(provider.ports, provider.vault, id);
		expect(scope.allergies.map((i) => i.display)).toEqual(['Penicillin allergy']);
		expect(scope.medications.map((i) => i.display)).toEqual(['Lisinopril 10 mg']);
		expect(scope.summary).toBe('Blood group O+. Pacemaker.');
		expect(Object.keys(scope).sort()).toEqual(['allergies', 'kind', 'medications', 'patient', 'problems', 'summary', 'updatedAt', 'v']);
		// The released shares are sealed to the provider: another vault opens nothing with them.
		await expect(openEmergencyScope(outsider.ports, outsider.vault, id)).rejects.toBeInstanceOf(EmergencyRequestStateError);
	});

	it('a refreshed scope reaches the provider of this epoch; a cancelled request reveals nothing', async () => {
		const lists = { ...LISTS, medications: [...LISTS.medications, item('Metformin 500 mg', '860975')] };
		const mine = (await readMyEmergency(patient.ports, patient.vault))!;
		expect(await refreshScope(patient.ports, patient.vault, mine, lists, mine.scope.summary)).toBe('updated');
		expect((await openEmergencyScope(provider.ports, provider.vault, firstRequest)).medications.map((i) => i.display)).toEqual(['Lisinopril 10 mg', 'Metformin 500 mg']);

		const { id } = await requestEmergencyAccess(provider.ports, { patient: patient.address, reason: 'second' });
		await g1.ports.emergency.approve({ id });
		await g3.ports.emergency.approve({ id });
		await patient.ports.emergency.cancel({ id });
		await advance(HOUR);
		await expect(provider.ports.emergency.finalize({ id })).rejects.toThrow(/cancelled/);
		const cancelled = (await g1.ports.emergency.readRequest(id))!;
		expect(cancelled.status).toBe('cancelled');
		await expect(releaseShare(g1.ports, g1.vault, cancelled)).rejects.toBeInstanceOf(EmergencyRequestStateError);
		await expect(openEmergencyScope(provider.ports, provider.vault, id)).rejects.toThrow(/cancelled/);
	});

	it('changing guardians starts a new key epoch: the earlier release no longer opens anything, the new guardians get new shares', async () => {
		const { epoch } = await setUpGuardians(patient.ports, patient.vault, { guardians: [g3.address, outsider.address], threshold: 1, waitingPeriod: 0, lists: LISTS, summary: '' });
		expect(epoch).toBe(2);
		await expect(openEmergencyScope(provider.ports, provider.vault, firstRequest)).rejects.toThrow(/changed guardians/);
		expect(await listGuardianRequests(g1.ports, g1.vault)).toEqual([]);
		const { id } = await requestEmergencyAccess(provider.ports, { patient: patient.address, reason: 'third' });
		await outsider.ports.emergency.approve({ id });
		await provider.ports.emergency.finalize({ id });
		await releaseShare(outsider.ports, outsider.vault, (await outsider.ports.emergency.readRequest(id))!);
		expect((await openEmergencyScope(provider.ports, provider.vault, id)).summary).toBe('');
	});

	it('emergencyAuditSource: the patient’s trail, in chain order, with actors, times and transactions', async () => {
		const source = emergencyAuditSource({
			publicClient: chain.publicClient,
			address: chain.config.contracts.emergencyAccess as Hex,
			logScan: { blockRange: 7 },
			openReason: (sealed) => openReason(patient.vault, sealed)
		});
		const toBlock = await chain.publicClient.getBlockNumber();
		const entries = await source.read(patient.address, { fromBlock: startBlock, toBlock });
		expect(entries.map((e) => [e.kind, e.actor])).toEqual([
			['emergency-guardians-set', patient.address],
			['emergency-requested', provider.address],
			['emergency-approved', g1.address],
			['emergency-approved', g2.address],
			['emergency-finalized', provider.address],
			['emergency-released', g1.address],
			['emergency-released', g2.address],
			['emergency-requested', provider.address],
			['emergency-approved', g1.address],
			['emergency-approved', g3.address],
			['emergency-cancelled', patient.address],
			['emergency-guardians-set', patient.address],
			['emergency-requested', provider.address],
			['emergency-approved', outsider.address],
			['emergency-finalized', provider.address],
			['emergency-released', outsider.address]
		]);
		expect(entries[1].summary).toBe(`Emergency request #${firstRequest} opened: “Unconscious after a fall, A&E Nord”`);
		expect(entries[3].summary).toMatch(/2 so far; threshold reached, can be finalized from/);
		expect(entries[0].summary).toBe('Emergency guardians named: 3, 2 needed to approve, a 1-hour wait (key epoch 1)');
		expect(entries[4].counterparty).toBe(provider.address);
		// Approvals, releases and a cancellation concern the request's provider (the person filter lists them under it).
		for (const i of [2, 3, 5, 6, 8, 9, 10, 13, 15]) expect([entries[i].kind, entries[i].counterparty]).toEqual([entries[i].kind, provider.address]);
		expect(entries[0].counterparty).toBeUndefined();
		for (const [i, e] of entries.entries()) {
			expect(e.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
			expect(e.timestamp).toBe(Number((await chain.publicClient.getBlock({ blockNumber: e.blockNumber })).timestamp));
			if (i > 0) expect(e.blockNumber > entries[i - 1].blockNumber || (e.blockNumber === entries[i - 1].blockNumber && e.logIndex > entries[i - 1].logIndex)).toBe(true);
		}
		// Another patient's trail is empty; a range before everything is empty.
		expect(await source.read(outsider.address, { fromBlock: startBlock, toBlock })).toEqual([]);
		expect(await source.read(patient.address, { fromBlock: 0n, toBlock: startBlock })).toEqual([]);
		// Ranges split anywhere give the same entries.
		const middle = entries[8].blockNumber;
		const split = [...(await source.read(patient.address, { fromBlock: startBlock, toBlock: middle })), ...(await source.read(patient.address, { fromBlock: middle + 1n, toBlock }))];
		expect(split).toEqual(entries);
	});
});
