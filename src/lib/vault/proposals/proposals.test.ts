/**
 * Providers propose, patients decide: the use cases end to end in node on
 * real parts (anvil with the deployed contracts, viem adapters, a Helia
 * memory node standing in for the IPFS network, libsodium and Umbral).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { createWalletClient, custom, http, type EIP1193RequestFn, type Hex } from 'viem';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { DecryptionFailedError } from '../../crypto/errors';
import { canonicalJson, concatBytes, fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { decryptBlob, encryptBlob, openSealed, sealTo } from '../../crypto/seal';
import { createVault } from '../createVault';
import { unlockVault } from '../unlockVault';
import { readAttachment } from '../openAttachment';
import { bytesFile } from '../fhirRecords';
import type { OpenVault } from '../deps';
import type { ProposalDeps } from './deps';
import { listMyProposals, proposeRecord, registerAsProvider } from './provider';
import { acceptProposal, checkProposalAttachments, listInbox, loadInbox, openInboxItem, openProposalAttachment, rejectProposal, rememberDecided, type InboxItem } from './inbox';
import { PayloadTooLargeError, PayloadUnavailableError } from '../errors';
import type { BlobStore } from '../ports';
import {
	DecisionNotSentError,
	InvalidPatientAddressError,
	NotARegisteredProviderError,
	PatientNotRegisteredError,
	ProposalAlreadyDecidedError,
	ProposalFlaggedError,
	ProviderVaultMissingError
} from './errors';
import { PAYLOAD_AD } from './payload';



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

/**
 * A person at dev account `index`. `wallet.rejectNextTx` makes the wallet
 * refuse the next transaction as a person clicking "Reject" would (code 4001).
 */
function person(index: number) {
	const account = chain.account(index);
	const wallet = { rejectNextTx: false };
	const upstream = http(chain.rpcUrl, { retryCount: 0 })({ chain: chain.chain });
	const request: EIP1193RequestFn = async (args) => {
		if (args.method === 'eth_sendRawTransaction' && wallet.rejectNextTx) {
			wallet.rejectNextTx = false;
			throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
		}
		return upstream.request(args as never);
	};
	const walletClient = createWalletClient({ chain: chain.chain, account, transport: custom({ request }, { retryCount: 0 }) });
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex };
	const deps: ProposalDeps = {
		signer: { address: account.address, chainId: chain.chain.id, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({ publicClient: chain.publicClient, walletClient, account, addresses }),
		providers: createProviderChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id }),
		blobs: ipfs.blobStore,
		local: memoryLocal()
	};
	const vaultDeps = { ...deps, domain: 'carevault.test', verifySignature: async () => true };
	return { address: account.address, deps, vaultDeps, wallet };
}

const MED = {
	resourceType: 'MedicationRequest',
	id: 'med-1',
	status: 'active',
	intent: 'order',
	medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
	authoredOn: '2024-05-02',
	text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Amoxicillin</div>' }
};
const MED_BYTES = utf8(JSON.stringify(MED));
const NOTE_BYTES = utf8('Follow-up in two weeks.\n');

describe('providers propose, patients decide (node, real chain)', () => {
	let provider: ReturnType<typeof person>;
	let patient: ReturnType<typeof person>;
	let stranger: ReturnType<typeof person>;
	let providerVault: OpenVault;
	let patientVault: OpenVault;

	beforeAll(async () => {
		provider = person(6);
		patient = person(7);
		stranger = person(8);
		await expect(registerAsProvider(provider.deps, { name: 'Dr. Ada Lovelace', role: 'physician' })).rejects.toBeInstanceOf(ProviderVaultMissingError);
		providerVault = (await createVault(provider.vaultDeps, { passphrase: 'provider passphrase 1' })).vault;
		patientVault = (await createVault(patient.vaultDeps, { passphrase: 'patient passphrase 1' })).vault;
		await registerAsProvider(provider.deps, { name: 'Dr. A. Lovelace', role: 'lab' });
		const profile = await registerAsProvider(provider.deps, { name: 'Dr. Ada Lovelace', role: 'physician' });
		expect(profile).toMatchObject({ name: 'Dr. Ada Lovelace', role: 'physician' });
	});

	const propose = (title: string, files = [bytesFile('med.json', 'application/fhir+json', MED_BYTES)], category: 'medications' | 'notes' = 'medications') =>
		proposeRecord(provider.deps, providerVault, { patient: patient.address, title, category, date: '2024-05-02', files, note: 'Take with food' });

	it('propose → verified inbox item → accept: record opens byte-identical with the provider as source; provider sees it accepted', async () => {
		const steps: string[] = [];
		const { id } = await proposeRecord(
			provider.deps,
			providerVault,
			{ patient: patient.address, title: 'Amoxicillin', category: 'medications', date: '2024-05-02', files: [bytesFile('med.json', 'application/fhir+json', MED_BYTES)], note: 'Take with food' },
			{ onProgress: (p) => steps.push(p.step) }
		);
		expect(steps.at(-1)).toBe('done');

		// The chain holds only an opaque sealed pointer: no title, category or CID readable.
		const [onChain] = (await provider.deps.providers.listByProvider(provider.address)).filter((e) => e.id === id);
		const visible = new TextDecoder().decode(onChain.sealedPayload);
		expect(visible).not.toMatch(/Amoxicillin|medications|bafk|bafy/);

		const inbox = await loadInbox(patient.deps, patientVault);
		const item = inbox.find((i) => i.id === id)!;
		expect(item).toMatchObject({ verified: true, status: 'pending', provider: { name: 'Dr. Ada Lovelace', role: 'physician', registered: true } });
		expect(item.problem).toBeUndefined();
		expect(item.payload).toMatchObject({ title: 'Amoxicillin', category: 'medications', note: 'Take with food', kind: 'fhir' });
		const preview: Uint8Array[] = [];
		for await (const part of openProposalAttachment(patient.deps, item.payload!.attachments[0])) preview.push(part);
		expect(concatBytes(...preview)).toEqual(MED_BYTES);

		const accepted = await acceptProposal(patient.deps, patientVault, item);
		patientVault = accepted.vault;
		expect(accepted.record!.source).toBe(`Dr. Ada Lovelace (${provider.address})`);
		expect(accepted.record!.resources?.[0]).toMatchObject({ resourceType: 'MedicationRequest', title: 'Amoxicillin 500 mg' });

		// A fresh unlock (another device) finds it in the index and opens it with the patient's own category key.
		const reopened = await unlockVault(patient.vaultDeps, { kind: 'passphrase', passphrase: 'patient passphrase 1' });
		const record = reopened.index.records.find((r) => r.title === 'Amoxicillin')!;
		expect(record.source).toBe(`Dr. Ada Lovelace (${provider.address})`);
		expect(concatBytes(...(await readAttachment(patient.deps, reopened, record, record.attachments[0])))).toEqual(MED_BYTES);

		const state = await patient.deps.providers.readProposal(id);
		expect(state?.status).toBe('accepted');
		const mine = await listMyProposals(provider.deps, providerVault);
		expect(mine.find((p) => p.id === id)).toMatchObject({ status: 'accepted', patient: patient.address, title: 'Amoxicillin', category: 'medications' });

		await expect(acceptProposal(patient.deps, patientVault, item)).rejects.toBeInstanceOf(ProposalAlreadyDecidedError);
	});

	it('reject records the decision; the provider sees it rejected and nothing enters the vault', async () => {
		const { id } = await propose('Visit note', [bytesFile('note.txt', 'text/plain', NOTE_BYTES)], 'notes');
		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		expect(item.verified).toBe(true);
		expect(item.payload?.kind).toBe('file');
		const before = patientVault.index.records.length;
		await rejectProposal(patient.deps, item);
		expect((await listMyProposals(provider.deps, providerVault)).find((p) => p.id === id)?.status).toBe('rejected');
		expect((await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)?.status).toBe('rejected');
		expect(patientVault.index.records.length).toBe(before);
		await expect(rejectProposal(patient.deps, item)).rejects.toBeInstanceOf(ProposalAlreadyDecidedError);
	});

	it('a forged signature is flagged and cannot be accepted', async () => {
		// A registered provider sends a payload whose signature is not its own (here: a flipped byte of a valid one).
		const { id: realId } = await propose('Real');
		const real = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === realId)!;
		const signature = fromBase64((await signedPayloadOf(real, patientVault)).signature);
		signature[0] ^= 1;
		const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
		const blob = await encryptBlob(key, utf8(canonicalJson({ payload: { ...real.payload!, title: 'Forged' }, signature: toBase64(signature) })), PAYLOAD_AD);
		const cid = await ipfs.blobStore.addBytes(blob);
		const patientKeys = (await provider.deps.chain.readKeys(patient.address))!;
		const sealedPayload = await sealTo(patientKeys.inbox, utf8(JSON.stringify({ cid, key: toBase64(key) })));
		const { id } = await provider.deps.providers.propose({ patient: patient.address, sealedPayload });

		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		expect(item.verified).toBe(false);
		expect(item.problem).toMatch(/signature/);
		const before = patientVault.index.records.length;
		await expect(acceptProposal(patient.deps, patientVault, item)).rejects.toBeInstanceOf(ProposalFlaggedError);
		expect(patientVault.index.records.length).toBe(before);
		expect((await patient.deps.providers.readProposal(id))?.status).toBe('pending');
	});

	it('garbage sealed to the wrong key is flagged, not dropped', async () => {
		const { id } = await provider.deps.providers.propose({ patient: patient.address, sealedPayload: utf8('not a sealed box at all, just text') });
		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		expect(item).toMatchObject({ verified: false, provider: { name: 'Dr. Ada Lovelace' } });
		expect(item.problem).toMatch(/inbox key/);
		expect(item.payload).toBeUndefined();
		await expect(acceptProposal(patient.deps, patientVault, item)).rejects.toBeInstanceOf(ProposalFlaggedError);
	});

	it('one unreachable payload next to a normal one: listed from events without fetching, opened one by one, only the broken one fails (and can be retried)', async () => {
		// A proposal whose sealed pointer names a CID that exists only on a node nobody can reach.
		const nowhere = await createMemoryNode();
		const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
		const unreachable = await encryptBlob(key, utf8('{"payload":{}}'), PAYLOAD_AD);
		const cid = await nowhere.blobStore.addBytes(unreachable);
		await nowhere.stop();
		const patientKeys = (await provider.deps.chain.readKeys(patient.address))!;
		const { id: brokenId } = await provider.deps.providers.propose({
			patient: patient.address,
			sealedPayload: await sealTo(patientKeys.inbox, utf8(JSON.stringify({ cid, key: toBase64(key) })))
		});
		const { id: goodId } = await propose('Next to a broken one');

		// Listing reads chain events only: nothing is fetched from IPFS.
		let fetched = 0;
		const counting: BlobStore = {
			...ipfs.blobStore,
			cat: (c, o) => (fetched++, ipfs.blobStore.cat(c, o)),
			getBytes: (c, o) => (fetched++, ipfs.blobStore.getBytes(c, o))
		};
		const deps = { ...patient.deps, blobs: counting };
		const listed = await listInbox(deps, patientVault);
		expect(fetched).toBe(0);
		const broken = listed.find((i) => i.id === brokenId)!;
		const good = listed.find((i) => i.id === goodId)!;
		expect(listed[0].id).toBe(goodId);
		expect(broken).toMatchObject({ opened: false, verified: false, status: 'pending', provider: { name: 'Dr. Ada Lovelace', registered: true } });
		expect(broken.payload).toBeUndefined();

		const [lost, found] = await Promise.allSettled([openInboxItem(deps, patientVault, broken, { timeoutMs: 2000 }), openInboxItem(deps, patientVault, good)]);
		expect(lost.status === 'rejected' && lost.reason).toBeInstanceOf(PayloadUnavailableError);
		expect(found.status === 'fulfilled' && found.value).toMatchObject({ opened: true, verified: true, payload: { title: 'Next to a broken one' } });
		await expect(acceptProposal(patient.deps, patientVault, broken)).rejects.toBeInstanceOf(ProposalFlaggedError);

		// A payload far over the limit is refused, not read.
		await expect(openInboxItem(deps, patientVault, good, { maxBytes: 64 })).rejects.toBeInstanceOf(PayloadTooLargeError);

		// Opening everything at once: the broken one comes back flagged with the reason, the others still open.
		const all = await loadInbox(patient.deps, patientVault, { timeoutMs: 2000 });
		expect(all.find((i) => i.id === brokenId)).toMatchObject({ opened: true, verified: false, problem: expect.stringMatching(/couldn't be fetched from IPFS/) });
		expect(all.find((i) => i.id === goodId)).toMatchObject({ verified: true });

		// The sender's node comes back (same bytes, same CID): a retry fetches it and checks it like any other.
		expect(await ipfs.blobStore.addBytes(unreachable)).toBe(cid);
		const retried = await openInboxItem(deps, patientVault, broken);
		expect(retried).toMatchObject({ opened: true, verified: false, problem: expect.stringMatching(/malformed/) });
		await rejectProposal(patient.deps, broken);
	});

	it('a decided proposal is remembered encrypted on this device and listed with its title without fetching it again', async () => {
		const { id } = await propose('Remember me', [bytesFile('note.txt', 'text/plain', NOTE_BYTES)], 'notes');
		const opened = await openInboxItem(patient.deps, patientVault, (await listInbox(patient.deps, patientVault)).find((i) => i.id === id)!);
		await rejectProposal(patient.deps, opened);
		await rememberDecided(patient.deps, patientVault, { ...opened, status: 'rejected' });

		let fetched = 0;
		const counting: BlobStore = { ...ipfs.blobStore, cat: (c, o) => (fetched++, ipfs.blobStore.cat(c, o)), getBytes: (c, o) => (fetched++, ipfs.blobStore.getBytes(c, o)) };
		const deps = { ...patient.deps, blobs: counting };
		const item = (await listInbox(deps, patientVault)).find((i) => i.id === id)!;
		expect(fetched).toBe(0);
		expect(item).toMatchObject({ status: 'rejected', opened: false, remembered: { title: 'Remember me', category: 'notes', date: '2024-05-02', verified: true } });
		// Stored as ciphertext only: the title is not readable in local storage.
		const stored = await patient.deps.local.get(`inbox-decided:${patient.address.toLowerCase()}:${id}`);
		expect(stored).not.toBeNull();
		expect(new TextDecoder().decode(stored!)).not.toMatch(/Remember me|notes/);
		// Another vault's keys cannot read it: listed without a memo.
		const other = { ...patientVault, keys: providerVault.keys };
		expect((await listInbox(patient.deps, other)).find((i) => i.id === id)?.remembered).toBeUndefined();
	});

	it('an altered ciphertext is flagged when checked and refused on accept', async () => {
		const { id } = await propose('Tampered', [bytesFile('lab.txt', 'text/plain', utf8('HbA1c 5.4%\n'))], 'notes');
		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		expect(item.verified).toBe(true);
		await ipfs.tamper(item.payload!.attachments[0].cid);

		const checked = await checkProposalAttachments(patient.deps, item);
		expect(checked.verified).toBe(false);
		expect(checked.problem).toMatch(/altered/);
		const before = patientVault.index.records.length;
		await expect(acceptProposal(patient.deps, patientVault, item)).rejects.toBeInstanceOf(DecryptionFailedError);
		await expect(acceptProposal(patient.deps, patientVault, checked)).rejects.toBeInstanceOf(ProposalFlaggedError);
		expect(patientVault.index.records.length).toBe(before);
		expect((await patient.deps.providers.readProposal(id))?.status).toBe('pending');
	});

	it('when only the decision transaction fails, the record stays and a retry sends just the decision', async () => {
		// A file (the medication resource is already in the vault: proposing it again would add nothing).
		const { id } = await propose('Retry me', [bytesFile('retry.txt', 'text/plain', NOTE_BYTES)], 'notes');
		const item = (await loadInbox(patient.deps, patientVault)).find((i) => i.id === id)!;
		const before = patientVault.index.records.length;
		// The anchor transaction goes through; the wallet then refuses the decision.
		let failure: unknown;
		const originalAccept = patient.deps.providers.accept;
		const deps: ProposalDeps = {
			...patient.deps,
			providers: { ...patient.deps.providers, accept: (p) => ((patient.wallet.rejectNextTx = true), originalAccept(p)) }
		};
		await acceptProposal(deps, patientVault, item).catch((err) => (failure = err));
		expect(failure).toBeInstanceOf(DecisionNotSentError);
		patientVault = (failure as DecisionNotSentError).vault;
		expect(patientVault.index.records.length).toBe(before + 1);
		expect((await patient.deps.providers.readProposal(id))?.status).toBe('pending');

		const again = await acceptProposal(patient.deps, patientVault, item);
		expect(again.vault.index.records.length).toBe(before + 1);
		expect((await patient.deps.providers.readProposal(id))?.status).toBe('accepted');
	});

	it('an unregistered patient, a bad address and a non-provider get clear errors before anything is sent', async () => {
		const files = [bytesFile('n.txt', 'text/plain', NOTE_BYTES)];
		const input = { title: 'x', category: 'notes' as const, date: '2024-01-01', files };
		const err = await proposeRecord(provider.deps, providerVault, { ...input, patient: stranger.address }).catch((e) => e);
		expect(err).toBeInstanceOf(PatientNotRegisteredError);
		expect(err.shortMessage).toContain(stranger.address);
		expect(err.shortMessage).toMatch(/must create a vault first/);
		await expect(proposeRecord(provider.deps, providerVault, { ...input, patient: '0x1234' })).rejects.toBeInstanceOf(InvalidPatientAddressError);

		// The patient has a vault but is no provider: refused before and, if it got that far, by the contract.
		await expect(proposeRecord(patient.deps, patientVault, { ...input, patient: provider.address })).rejects.toBeInstanceOf(NotARegisteredProviderError);
		const direct = await patient.deps.providers.propose({ patient: provider.address, sealedPayload: utf8('x') }).catch((e) => e);
		expect(direct).toBeInstanceOf(NotARegisteredProviderError);
		expect(direct.cause.errorName).toBe('ProposalsNotProvider');
	});
});

/** Re-reads the signed payload of an item as its patient can (the test plays a forger who saw one valid signature). */
async function signedPayloadOf(item: InboxItem, patientVault: OpenVault): Promise<{ signature: string }> {
	const readOnly = createProviderChain({ publicClient: chain.publicClient, addresses: chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex } });
	const [entry] = (await readOnly.listForPatient(patientVault.address)).filter((e) => e.id === item.id);
	const pointer = JSON.parse(new TextDecoder().decode(await openSealed(patientVault.keys.inbox, entry.sealedPayload)));
	const blob = await ipfs.blobStore.getBytes(pointer.cid);
	return JSON.parse(new TextDecoder().decode(await decryptBlob(fromBase64(pointer.key), blob, PAYLOAD_AD)));
}
