/**
 * Research consent end to end in node on real parts: anvil with the deployed
 * contracts, the viem adapters, a Helia memory node and libsodium. A Synthea
 * fixture patient opts in; the researcher opens the release and finds no
 * name; after withdrawal nothing more is released, and the audit source shows
 * both decisions.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, http, type Hex } from 'viem';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createResearchAuditSource, createResearchChain } from '../../chain/researchChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { parseFhirFiles, selectPatient } from '../../records/fhir/import';
import { createVault } from '../createVault';
import type { OpenVault } from '../deps';
import type { BlobStore } from '../ports';
import { registerAsProvider } from '../proposals/provider';
import { ConsentAlreadyGivenError, ConsentNotActiveError, NotAResearcherError, ReleaseUnreadableError, StudyEndedError, StudyInputError } from './errors';
import { openOwnRelease, openRelease, optIn, registerStudy, releaseAgain, researcherOverview, studiesForPatient, withdraw, type ResearchDeps } from './research';
import type { Study } from './ports';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const PATIENT_ID = 'cbc86e51-9eca-3855-76ec-c058f72c5761';
const source = parseFhirFiles(readdirSync(FIXTURE).filter((f) => f.endsWith('.ndjson')).map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') })));
const resources = selectPatient(source, PATIENT_ID).resources;
const patientResource = resources[0] as unknown as { name: Array<{ family: string; given: string[] }>; birthDate: string };

let chain: TestChain;
let ipfs: MemoryNode;
/** Every blob stored, by anyone: a release that must not happen leaves this unchanged. */
let stored = 0;

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
	const walletClient = chain.walletClient(index);
	const addresses = chain.config.contracts as typeof chain.config.contracts & { proposals: Hex };
	const clients = { publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id };
	const blobs: BlobStore = {
		...ipfs.blobStore,
		addBytes: (bytes, options) => {
			stored++;
			return ipfs.blobStore.addBytes(bytes, options);
		}
	};
	const deps: ResearchDeps = {
		signer: { address: account.address, chainId: chain.chain.id, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain(clients),
		blobs,
		research: createResearchChain(clients)
	};
	const providers = createProviderChain(clients);
	const vaultDeps = { ...deps, local: memoryLocal(), domain: 'carevault.test', verifySignature: async () => true };
	return { address: account.address, deps, providers, vaultDeps };
}

const releasedCount = async (p: ReturnType<typeof person>) => (await p.deps.research.listConsentEvents({ patient: p.address })).filter((e) => e.kind === 'released').length;

describe('research consent (node, real chain)', () => {
	let patient: ReturnType<typeof person>;
	let researcher: ReturnType<typeof person>;
	let physician: ReturnType<typeof person>;
	let patientVault: OpenVault;
	let researcherVault: OpenVault;
	let physicianVault: OpenVault;
	let study: Study;

	beforeAll(async () => {
		patient = person(1);
		researcher = person(2);
		physician = person(3);
		patientVault = (await createVault(patient.vaultDeps, { passphrase: 'patient passphrase 1' })).vault;
		researcherVault = (await createVault(researcher.vaultDeps, { passphrase: 'researcher passphrase 1' })).vault;
		physicianVault = (await createVault(physician.vaultDeps, { passphrase: 'physician passphrase 1' })).vault;
		await registerAsProvider({ ...researcher.deps, providers: researcher.providers }, { name: 'Asthma Study Centre', role: 'researcher' });
		await registerAsProvider({ ...physician.deps, providers: physician.providers }, { name: 'Dr. Grace Hopper', role: 'physician' });
	});

	it('only a registered researcher registers a study, with a purpose, categories and a future end', async () => {
		const endsAt = Math.floor(Date.now() / 1000) + 30 * 86_400;
		await expect(registerStudy({ ...physician.deps, providers: physician.providers }, { purpose: 'x', categories: ['problems'], endsAt })).rejects.toBeInstanceOf(NotAResearcherError);
		const r = { ...researcher.deps, providers: researcher.providers };
		await expect(registerStudy(r, { purpose: '  ', categories: ['problems'], endsAt })).rejects.toBeInstanceOf(StudyInputError);
		await expect(registerStudy(r, { purpose: 'x', categories: [], endsAt })).rejects.toBeInstanceOf(StudyInputError);
		await expect(registerStudy(r, { purpose: 'x', categories: ['problems'], endsAt: 1000 })).rejects.toBeInstanceOf(StudyInputError);

		study = await registerStudy(r, { purpose: 'Allergies and problems in young adults', categories: ['allergies', 'problems'], endsAt });
		expect(study).toMatchObject({ researcher: researcher.address, categories: ['problems', 'allergies'] });
		const listed = await studiesForPatient(patient.deps);
		expect(listed.map((s) => [s.study.id, s.study.purpose, s.study.categories, s.status])).toEqual([[study.id, 'Allergies and problems in young adults', ['problems', 'allergies'], 'not-joined']]);
		expect(await researcher.deps.research.readStudy(study.id)).toEqual(listed[0].study);
	});

	it('opting in releases a de-identified Bundle of the study\'s categories that only the researcher opens; no name in it', async () => {
		const before = stored;
		const result = await optIn(patient.deps, patientVault, { study, resources, now: new Date() });
		expect(stored).toBe(before + 1);
		expect(Object.keys(result.counts).sort()).toEqual(['AllergyIntolerance', 'Condition', 'Patient']);

		const overview = await researcherOverview(researcher.deps);
		expect(overview.studies.map((s) => s.id)).toEqual([study.id]);
		expect(overview.participants).toEqual([expect.objectContaining({ studyId: study.id, patient: patient.address, status: 'taking-part', releases: [expect.objectContaining({ kind: 'released' })] })]);
		const sealed = overview.participants[0].releases[0].sealedPointer!;
		const bundle = await openRelease(researcher.deps, researcherVault.keys.inbox, sealed);
		const text = JSON.stringify(bundle);
		expect(bundle.entry.length).toBe(Object.values(result.counts).reduce((a, b) => a + b, 0));
		for (const secret of [patientResource.name[0].family, patientResource.name[0].given[0], patientResource.birthDate, PATIENT_ID]) expect(text).not.toContain(secret);
		// The chain holds only the sealed pointer: no CID in clear.
		expect(new TextDecoder().decode(sealed)).not.toMatch(/bafk|bafy/);
		// Only the researcher's key opens it; the patient opens its own half.
		await expect(openRelease(physician.deps, physicianVault.keys.inbox, sealed)).rejects.toBeInstanceOf(ReleaseUnreadableError);
		expect((await openOwnRelease(patient.deps, patientVault, sealed)).entry.length).toBe(bundle.entry.length);
		expect((await studiesForPatient(patient.deps))[0]).toMatchObject({ status: 'joined', releases: [expect.any(Number)] });
		await expect(optIn(patient.deps, patientVault, { study, resources, now: new Date() })).rejects.toBeInstanceOf(ConsentAlreadyGivenError);
	});

	it('releases again while consent holds; after withdrawal the app releases nothing and the researcher sees the withdrawal', async () => {
		await releaseAgain(patient.deps, patientVault, { study, resources, now: new Date() });
		expect(await releasedCount(patient)).toBe(2);

		await withdraw(patient.deps, study.id);
		const overview = await researcherOverview(researcher.deps);
		expect(overview.participants).toEqual([expect.objectContaining({ patient: patient.address, status: 'withdrawn', withdrawnAt: expect.any(Number) })]);
		expect(overview.participants[0].releases).toHaveLength(2);
		expect((await studiesForPatient(patient.deps))[0]).toMatchObject({ status: 'withdrawn', withdrawnAt: expect.any(Number) });

		const before = stored;
		await expect(releaseAgain(patient.deps, patientVault, { study, resources, now: new Date() })).rejects.toBeInstanceOf(ConsentNotActiveError);
		await expect(withdraw(patient.deps, study.id)).rejects.toBeInstanceOf(ConsentNotActiveError);
		// Nothing was encrypted, stored or sent.
		expect(stored).toBe(before);
		expect(await releasedCount(patient)).toBe(2);
		// The contract refuses it too, whatever an app does.
		await expect(patient.deps.research.release({ studyId: study.id, sealedPointer: new Uint8Array(99).fill(7) })).rejects.toBeInstanceOf(ConsentNotActiveError);
	});

	it('the audit source gives the consent and the withdrawal, in order, with the researcher and block times', async () => {
		const source = createResearchAuditSource({ publicClient: chain.publicClient, addresses: chain.config.contracts, logScan: { blockRange: 3 } });
		const latest = await chain.publicClient.getBlockNumber();
		const entries = await source.read(patient.address, { fromBlock: 0n, toBlock: latest });
		expect(entries.map((e) => [e.kind, e.actor, e.counterparty])).toEqual([
			['research-consent-given', patient.address, researcher.address],
			['research-consent-withdrawn', patient.address, researcher.address]
		]);
		for (const e of entries) {
			const block = await chain.publicClient.getBlock({ blockNumber: e.blockNumber });
			expect(e.timestamp).toBe(Number(block.timestamp));
			const receipt = await chain.publicClient.getTransactionReceipt({ hash: e.transactionHash! });
			expect(receipt.blockNumber).toBe(e.blockNumber);
		}
		expect(entries[0].summary).toContain(`#${study.id}`);
		// A range before the consent holds nothing; another patient has nothing.
		expect(await source.read(patient.address, { fromBlock: 0n, toBlock: entries[0].blockNumber - 1n })).toEqual([]);
		expect(await source.read(physician.address, { fromBlock: 0n, toBlock: latest })).toEqual([]);
	});

	it('after the study ends, nothing is released (checked before anything is stored)', async () => {
		const r = { ...researcher.deps, providers: researcher.providers };
		const now = await researcher.deps.research.chainTime();
		const short = await registerStudy(r, { purpose: 'Short study', categories: ['problems'], endsAt: now + 100 });
		await optIn(patient.deps, patientVault, { study: short, resources, now: new Date() });
		const testClient = createTestClient({ chain: chain.chain, mode: 'anvil', transport: http(chain.rpcUrl, { retryCount: 0 }) });
		await testClient.increaseTime({ seconds: 200 });
		await testClient.mine({ blocks: 1 });
		const before = stored;
		await expect(releaseAgain(patient.deps, patientVault, { study: short, resources, now: new Date() })).rejects.toBeInstanceOf(StudyEndedError);
		expect(stored).toBe(before);
		const mine = await studiesForPatient(patient.deps);
		expect(mine.find((s) => s.study.id === short.id)?.status).toBe('ended');
	});
});

