/**
 * Blocking a sender, on real parts (anvil, viem adapters, a Helia memory node,
 * libsodium): a blocked sender's proposals and access requests are dropped
 * from the lists before anything of theirs is fetched or opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createGrantChain } from '../../chain/grantChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { utf8 } from '../../crypto/encoding';
import { createVault } from '../createVault';
import { bytesFile } from '../fhirRecords';
import type { BlobStore } from '../ports';
import type { OpenVault } from '../deps';
import type { ProposalDeps } from '../proposals/deps';
import { proposeRecord, registerAsProvider } from '../proposals/provider';
import { loadInbox } from '../proposals/inbox';
import { listAccessRequests, requestAccess } from '../sharing/requests';
import { blockSender, EMPTY_TRUST_PREFERENCES, loadTrustPreferences, saveTrustPreferences, unblockSender } from './preferences';
import { isBlocked } from './verify';

let chain: TestChain;
let ipfs: MemoryNode;

/** The real blob store, counting what is fetched. */
function countingBlobs(inner: BlobStore): BlobStore & { fetched: string[] } {
	const fetched: string[] = [];
	return Object.assign(Object.create(inner) as BlobStore, {
		fetched,
		getBytes: (cid: string, options?: { signal?: AbortSignal }) => {
			fetched.push(cid);
			return inner.getBytes(cid, options);
		},
		// Payloads are streamed through cat (with a size cap); count those reads too.
		cat: (cid: string, options?: { signal?: AbortSignal }) => {
			fetched.push(cid);
			return inner.cat(cid, options);
		}
	});
}

function person(index: number) {
	const account = chain.account(index);
	const walletClient = chain.walletClient(index);
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex; grants: Hex };
	const blobs = countingBlobs(ipfs.blobStore);
	const deps: ProposalDeps = {
		signer: { address: account.address, chainId: chain.chain.id, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({ publicClient: chain.publicClient, walletClient, account, addresses }),
		providers: createProviderChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id }),
		blobs,
		local: memoryLocal()
	};
	const grants = createGrantChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id });
	return { address: account.address, deps, grants, blobs, vaultDeps: { ...deps, domain: 'carevault.test', verifySignature: async () => true } };
}

describe('blocked senders (node, real chain)', () => {
	let lab: ReturnType<typeof person>;
	let spammer: ReturnType<typeof person>;
	let patient: ReturnType<typeof person>;
	let patientVault: OpenVault;

	beforeAll(async () => {
		chain = await startTestChain();
		ipfs = await createMemoryNode();
		lab = person(1);
		spammer = person(2);
		patient = person(3);
		patientVault = (await createVault(patient.vaultDeps, { passphrase: 'patient passphrase 1' })).vault;
		for (const [p, name] of [[lab, 'City Hospital Lab'], [spammer, 'Totally Real Clinic']] as const) {
			const vault = (await createVault(p.vaultDeps, { passphrase: `${name} passphrase` })).vault;
			await registerAsProvider(p.deps, { name, role: 'lab' });
			await proposeRecord(p.deps, vault, { patient: patient.address, title: `${name} result`, category: 'labs', date: '2024-05-02', files: [bytesFile('r.txt', 'text/plain', utf8(name))] });
			await requestAccess({ ...p.deps, grants: p.grants }, vault, { patient: patient.address, reason: `${name} asks`, categories: ['labs'] });
		}
	});
	afterAll(async () => {
		await ipfs?.stop();
		await chain?.stop();
	});

	it('a blocked sender’s proposals are neither fetched nor returned; unblocking brings them back', async () => {
		const local = memoryLocal();
		await saveTrustPreferences(local, patientVault, blockSender(EMPTY_TRUST_PREFERENCES, spammer.address, 'Totally Real Clinic'));
		const prefs = await loadTrustPreferences(local, patientVault);
		const skip = (sender: Hex) => isBlocked(prefs, sender);

		const all = await loadInbox(patient.deps, patientVault);
		expect(all.map((i) => i.payload?.title).sort()).toEqual(['City Hospital Lab result', 'Totally Real Clinic result']);
		const bothPayloads = [...new Set(patient.blobs.fetched)];
		expect(bothPayloads).toHaveLength(2);

		patient.blobs.fetched.length = 0;
		const filtered = await loadInbox(patient.deps, patientVault, { skip });
		expect(filtered.map((i) => i.payload?.title)).toEqual(['City Hospital Lab result']);
		expect(filtered.every((i) => i.provider.address !== spammer.address)).toBe(true);
		// Only the lab's payload was fetched: nothing of the blocked sender's.
		const fetchedNow = [...new Set(patient.blobs.fetched)];
		expect(fetchedNow).toHaveLength(1);
		const spamCid = bothPayloads.find((cid) => cid !== fetchedNow[0]);
		expect(spamCid).toBeDefined();
		expect(patient.blobs.fetched).not.toContain(spamCid);

		const unblocked = unblockSender(prefs, spammer.address);
		expect(await loadInbox(patient.deps, patientVault, { skip: (s) => isBlocked(unblocked, s) })).toHaveLength(2);
	});

	it('a blocked sender’s access requests are not opened or returned', async () => {
		const prefs = blockSender(EMPTY_TRUST_PREFERENCES, spammer.address);
		const deps = { grants: patient.grants, providers: patient.deps.providers };
		const all = await listAccessRequests(deps, patientVault);
		expect(all.map((r) => r.reason).sort()).toEqual(['City Hospital Lab asks', 'Totally Real Clinic asks']);
		const filtered = await listAccessRequests(deps, patientVault, { skip: (s) => isBlocked(prefs, s) });
		expect(filtered.map((r) => r.requester)).toEqual([lab.address]);
		expect(filtered[0].reason).toBe('City Hospital Lab asks');
	});
});
