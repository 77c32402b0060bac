/**
 * Accepting a provider's FHIR proposal checks the FHIR first: content that
 * cannot be read is refused with the reason and nothing enters the vault;
 * the patient can still reject it. Real parts: anvil with the deployed
 * contracts, viem adapters, a Helia memory node, libsodium and Umbral.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { createWalletClient, http, type Hex } from 'viem';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { utf8 } from '../../crypto/encoding';
import { createVault } from '../createVault';
import { bytesFile, FHIR_JSON, FHIR_NDJSON, readFhirRecords } from '../fhirRecords';
import { dedupeText, planProposal, proposalSource, readProposalResources } from './dedupe';
import type { OpenVault } from '../deps';
import type { ProposalDeps } from './deps';
import { proposeRecord, registerAsProvider } from './provider';
import { acceptProposal, loadInbox, rejectProposal } from './inbox';
import { ProposalInvalidFhirError } from './errors';
import { timelineEntriesOf } from '../../records/timeline';

let chain: TestChain;
let ipfs: MemoryNode;

beforeAll(async () => {
	chain = await startTestChain();
	ipfs = await createMemoryNode();
});
afterAll(async () => {
	await ipfs?.stop();
	await chain?.stop();
});

function person(index: number) {
	const account = chain.account(index);
	const walletClient = createWalletClient({ chain: chain.chain, account, transport: http(chain.rpcUrl, { retryCount: 0 }) });
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex };
	const deps: ProposalDeps = {
		signer: { address: account.address, chainId: chain.chain.id, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({ publicClient: chain.publicClient, walletClient, account, addresses }),
		providers: createProviderChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id }),
		blobs: ipfs.blobStore,
		local: memoryLocal()
	};
	return { address: account.address, deps, vaultDeps: { ...deps, domain: 'carevault.test', verifySignature: async () => true } };
}

describe('accepting a FHIR proposal checks its FHIR', () => {
	let provider: ReturnType<typeof person>;
	let patient: ReturnType<typeof person>;
	let providerVault: OpenVault;
	let patientVault: OpenVault;

	beforeAll(async () => {
		provider = person(4);
		patient = person(5);
		providerVault = (await createVault(provider.vaultDeps)).vault;
		patientVault = (await createVault(patient.vaultDeps)).vault;
		await registerAsProvider(provider.deps, { name: 'Careless Lab', role: 'lab' });
	});

	const proposeFhir = async (title: string, name: string, type: string, text: string) => {
		const { id } = await proposeRecord(provider.deps, providerVault, {
			patient: patient.address,
			title,
			category: 'medications',
			date: '2024-05-02',
			files: [bytesFile(name, type, utf8(text))],
			kind: 'fhir'
		});
		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		expect(item).toMatchObject({ verified: true, status: 'pending', payload: { kind: 'fhir' } });
		return item;
	};

	it.each([
		['a Bundle entry of 5', 'bundle.json', FHIR_JSON, '{"resourceType":"Bundle","entry":[{"resource":5}]}', '"bundle.json" is not readable FHIR: entry 1: not a FHIR resource (got a number).'],
		['NDJSON with a null line', 'meds.ndjson', FHIR_NDJSON, '{"resourceType":"MedicationRequest","id":"m1","status":"active"}\nnull\n', '"meds.ndjson" is not readable FHIR: line 2: not a FHIR resource (got null).'],
		['non-JSON', 'letter.json', FHIR_JSON, 'Dear patient, all is well.', '"letter.json" is not readable FHIR: not valid JSON'],
		['a resource without resourceType', 'x.json', FHIR_JSON, '{"id":"x","status":"active"}', '"x.json" is not readable FHIR: not a FHIR resource: it has no resourceType.'],
		['wrong field types', 'w.json', FHIR_JSON, '{"resourceType":"MedicationRequest","id":"w","medicationCodeableConcept":"x","authoredOn":42,"note":{}}', '"w.json" is not readable FHIR: MedicationRequest/w: medicationCodeableConcept should be a CodeableConcept (an object), got text.']
	])('refuses %s with the reason, adds nothing, and the patient can still reject it', async (title, name, type, text, reason) => {
		const item = await proposeFhir(title, name, type, text);
		const before = patientVault.index.records.length;
		const refusal = acceptProposal(patient.deps, patientVault, item);
		await expect(refusal).rejects.toBeInstanceOf(ProposalInvalidFhirError);
		await expect(refusal).rejects.toThrow(reason);
		expect(patientVault.index.records.length).toBe(before);
		expect((await patient.deps.providers.readProposal(item.id))?.status).toBe('pending');
		await rejectProposal(patient.deps, item);
		expect((await patient.deps.providers.readProposal(item.id))?.status).toBe('rejected');
	});

	it('accepts readable FHIR', async () => {
		const item = await proposeFhir('Amoxicillin', 'med.json', FHIR_JSON, JSON.stringify({ resourceType: 'MedicationRequest', id: 'ok', status: 'active', medicationCodeableConcept: { text: 'Amoxicillin 500 mg' }, authoredOn: '2024-05-02' }));
		const accepted = await acceptProposal(patient.deps, patientVault, item);
		patientVault = accepted.vault;
		expect(accepted.record).toMatchObject({ kind: 'fhir', title: 'Amoxicillin' });
	});

	it('keeps a withdrawn (entered-in-error) resource in the vault, on no timeline', async () => {
		const withdrawn = { resourceType: 'MedicationRequest', id: 'oops', status: 'entered-in-error', intent: 'order', medicationCodeableConcept: { text: 'Warfarin 5 mg' }, authoredOn: '2024-05-02' };
		const item = await proposeFhir('Withdrawn', 'oops.json', FHIR_JSON, JSON.stringify(withdrawn));
		const accepted = await acceptProposal(patient.deps, patientVault, item);
		patientVault = accepted.vault;
		expect(accepted.record!.resources).toEqual([expect.objectContaining({ id: 'oops', enteredInError: true })]);
		const titles = timelineEntriesOf(patientVault.index.records).map((e) => e.title);
		expect(titles).toContain('Amoxicillin 500 mg');
		expect(titles.some((t) => t.includes('Warfarin'))).toBe(false);
	});
});

describe('a FHIR proposal is compared with the vault: only what is new or updated is added', () => {
	let provider: ReturnType<typeof person>;
	let patient: ReturnType<typeof person>;
	let providerVault: OpenVault;
	let patientVault: OpenVault;
	const med = { resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'Metformin 500 mg' }, authoredOn: '2024-01-10' };
	const condition = { resourceType: 'Condition', id: 'c1', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { text: 'Type 2 diabetes' }, onsetDateTime: '2023-11-02' };
	const resolved = { ...condition, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] } };
	const lab = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'HbA1c' }, effectiveDateTime: '2024-05-01', valueQuantity: { value: 6.1, unit: '%' } };
	const ndjson = (...resources: object[]) => utf8(resources.map((r) => JSON.stringify(r)).join('\n') + '\n');

	beforeAll(async () => {
		provider = person(6);
		patient = person(7);
		providerVault = (await createVault(provider.vaultDeps)).vault;
		patientVault = (await createVault(patient.vaultDeps)).vault;
		await registerAsProvider(provider.deps, { name: 'Diabetes Clinic', role: 'physician' });
	});

	const propose = async (title: string, ...resources: object[]) => {
		const { id } = await proposeRecord(provider.deps, providerVault, {
			patient: patient.address,
			title,
			category: 'problems',
			date: '2024-05-02',
			files: [bytesFile('visit.ndjson', FHIR_NDJSON, ndjson(...resources))],
			kind: 'fhir'
		});
		return (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
	};
	const verdict = async (item: Awaited<ReturnType<typeof propose>>) => {
		const content = await readFhirRecords(patient.deps, patientVault, patientVault.index.records);
		return planProposal(content, await readProposalResources(patient.deps, item.payload!), proposalSource(item.provider));
	};
	const current = async () => (await readFhirRecords(patient.deps, patientVault, patientVault.index.records)).resources.map((r) => r.resource);

	it('all new: the provider’s ciphertext is kept as it is', async () => {
		const item = await propose('First visit', med, condition);
		const v = await verdict(item);
		expect(v.lines.map((l) => [l.resourceType, l.id, l.status])).toEqual([
			['MedicationRequest', 'm1', 'new'],
			['Condition', 'c1', 'new']
		]);
		const accepted = await acceptProposal(patient.deps, patientVault, item);
		patientVault = accepted.vault;
		expect(accepted.dedupe?.counts).toEqual({ new: 2, updated: 0, present: 0 });
		expect(accepted.record!.attachments.map((a) => a.manifest.cid)).toEqual(item.payload!.attachments.map((a) => a.cid));
		expect(await current()).toEqual([med, condition]);
	});

	it('partly present: the patient sees each resource’s status; accepting stores only the new and the updated, which replaces its older version', async () => {
		const item = await propose('Follow-up', med, resolved, lab);
		const v = await verdict(item);
		expect(v.lines.map((l) => [l.id, l.status])).toEqual([
			['m1', 'present'],
			['c1', 'updated'],
			['o1', 'new']
		]);
		expect(v.lines[2]!.title).toContain('HbA1c');
		expect(dedupeText(v.counts)).toBe('1 new, 1 updated, 1 already present');

		const before = patientVault.index.records.length;
		const accepted = await acceptProposal(patient.deps, patientVault, item);
		patientVault = accepted.vault;
		expect(patientVault.index.records.length).toBe(before + 1);
		const record = accepted.record!;
		expect(record).toMatchObject({ title: 'Follow-up', category: 'problems', kind: 'fhir', source: `Diabetes Clinic (${provider.address})` });
		// Stored anew (encrypted here), holding only the two that were not already present.
		expect(record.attachments.map((a) => a.manifest.cid)).not.toContain(item.payload!.attachments[0]!.cid);
		expect(record.resources?.map((r) => r.id)).toEqual(['o1', 'c1']);
		expect(record.supersedes).toHaveLength(1);
		const now = await current();
		expect(now).toHaveLength(3);
		expect(now).toEqual(expect.arrayContaining([med, resolved, lab]));
		expect(now).not.toContainEqual(condition);
		expect((await patient.deps.providers.readProposal(item.id))?.status).toBe('accepted');
	});

	it('all present: accepting adds nothing, and the provider still sees it accepted', async () => {
		const item = await propose('Copy of the follow-up', lab, med);
		expect((await verdict(item)).counts).toEqual({ new: 0, updated: 0, present: 2 });
		const before = patientVault.index.records;
		const accepted = await acceptProposal(patient.deps, patientVault, item);
		expect(accepted.record).toBeNull();
		expect(accepted.vault.index.records).toEqual(before);
		expect(accepted.anchorRoot).toBeUndefined();
		expect((await patient.deps.providers.readProposal(item.id))?.status).toBe('accepted');
	});
});
