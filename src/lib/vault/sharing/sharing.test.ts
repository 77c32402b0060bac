/**
 * Consent and sharing end to end in node on real parts: anvil with the
 * deployed contracts, the viem adapters (a read-only one for the link viewer),
 * a Helia memory node, libsodium and Umbral.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import type { Hex } from 'viem';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { createVaultChain } from '../../chain/vaultChain';
import { createProviderChain } from '../../chain/providerChain';
import { createGrantChain } from '../../chain/grantChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { encryptBlob } from '../../crypto/seal';
import { randomBytes } from '../random';
import type { GrantChain, GrantState } from '../grantPorts';
import { BUNDLE_AD, fetchBundle, openGranteePointer, sealGrantPointer, type GrantBundle } from './bundle';
import type { Category, VaultRecord } from '../../records/model';
import { createVault } from '../createVault';
import { encryptRecords } from '../addRecords';
import { commitRecords } from '../commitRecords';
import { bytesFile } from '../fhirRecords';
import type { OpenVault } from '../deps';
import { registerAsProvider } from '../proposals/provider';
import { NotARegisteredProviderError } from '../proposals/errors';
import type { SharingDeps } from './deps';
import { createShareLink, extendGrants, grantAccess, listMyGrants, revokeAccess, shareNewRecords, showShareLink, syncGrants } from './grants';
import { decodeLinkPayload, throwawayFromSecrets } from './link';
import { unlockVault } from '../unlockVault';
import { listSharedWithMe, openShareLink, openSharedGrant, openSharedState, openSharedWithMe, readSharedAttachment, type OpenedShare } from './shared';
import { PayloadUnavailableError } from '../errors';
import type { BlobStore } from '../ports';
import { answerAccessRequest, listAccessRequests, listMyAccessRequests, requestAccess } from './requests';
import {
	GrantCommitmentMismatchError,
	GranteeNotRegisteredError,
	GrantExpiredError,
	GrantRevokedError,
	LinkInvalidError,
	LinkNotRecoverableError,
	ShareInputError
} from './errors';


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
	const walletClient = chain.walletClient(index);
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; proposals: Hex; grants: Hex };
	const deps: SharingDeps = {
		signer: { address: account.address, chainId: chain.chain.id, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({ publicClient: chain.publicClient, walletClient, account, addresses }),
		grants: createGrantChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id }),
		blobs: ipfs.blobStore,
		local: memoryLocal()
	};
	const providers = createProviderChain({ publicClient: chain.publicClient, walletClient, account, addresses, chainId: chain.chain.id });
	const vaultDeps = { ...deps, domain: 'carevault.test', verifySignature: async () => true };
	return { address: account.address, deps, providers, vaultDeps };
}

/** The link viewer: no wallet, a read-only chain. */
function viewer() {
	const addresses = chain.config.contracts as { keyRegistry: Hex; vaultRegistry: Hex; grants: Hex };
	return { blobs: ipfs.blobStore, grants: createGrantChain({ publicClient: chain.publicClient, addresses }) };
}

const text = (title: string) => utf8(`${title}: content of the record\n`);

async function add(p: ReturnType<typeof person>, vault: OpenVault, items: Array<[string, Category]>): Promise<{ vault: OpenVault; records: VaultRecord[] }> {
	const records = await encryptRecords(
		p.deps,
		vault,
		items.map(([title, category]) => ({ title, category, date: '2024-05-02', kind: 'file' as const, files: [bytesFile(`${title}.txt`, 'text/plain', text(title))] }))
	);
	return { vault: await commitRecords(p.deps, vault, records), records };
}

const titles = (share: OpenedShare) => share.records.map((r) => r.title).sort();

async function blockTime(): Promise<number> {
	return Number((await chain.publicClient.getBlock()).timestamp);
}

describe('consent and sharing (node, real chain)', () => {
	let patient: ReturnType<typeof person>;
	let doctor: ReturnType<typeof person>;
	let doctor2: ReturnType<typeof person>;
	let unregistered: ReturnType<typeof person>;
	let patientVault: OpenVault;
	let doctorVault: OpenVault;
	let doctor2Vault: OpenVault;
	let doctorGrant: bigint;
	let doctor2Grant: bigint;

	beforeAll(async () => {
		patient = person(1);
		doctor = person(2);
		doctor2 = person(3);
		unregistered = person(4);
		patientVault = (await createVault(patient.vaultDeps, { passphrase: 'patient passphrase 1' })).vault;
		doctorVault = (await createVault(doctor.vaultDeps, { passphrase: 'doctor passphrase 1' })).vault;
		doctor2Vault = (await createVault(doctor2.vaultDeps, { passphrase: 'doctor2 passphrase 1' })).vault;
		await registerAsProvider({ ...doctor.deps, providers: doctor.providers }, { name: 'Dr. Grace Hopper', role: 'physician' });
		patientVault = (
			await add(patient, patientVault, [
				['Amoxicillin', 'medications'],
				['Penicillin allergy', 'allergies'],
				['Visit note', 'notes'],
				['Chest X-ray', 'imaging'],
				['Blood count', 'labs']
			])
		).vault;
	});

	it('grant of medications + allergies: the doctor sees exactly those, decrypted; the chain shows no scope or CID', async () => {
		await expect(
			grantAccess(patient.deps, patientVault, { grantee: unregistered.address, scope: { categories: ['notes'] }, expiresAt: 0 })
		).rejects.toBeInstanceOf(GranteeNotRegisteredError);

		const granted = await grantAccess(patient.deps, patientVault, { grantee: doctor.address, scope: { categories: ['medications', 'allergies'] }, expiresAt: 0 });
		patientVault = granted.vault;
		doctorGrant = granted.grantId;
		expect(patientVault.index.grants?.map((g) => g.id)).toEqual([doctorGrant.toString()]);

		const state = await patient.deps.grants.readGrant(doctorGrant);
		expect(state).toMatchObject({ patient: patient.address, grantee: doctor.address, active: true, revoked: false });
		const onChain = new TextDecoder().decode(state!.sealedPointer);
		expect(onChain).not.toMatch(/bafk|bafy|medications|Amoxicillin/);

		const shared = await openSharedWithMe(doctor.deps, { address: doctor.address, keys: doctorVault.keys });
		expect(shared).toHaveLength(1);
		const share = shared[0];
		expect(share).toMatchObject({ status: 'active', patient: patient.address, grantId: doctorGrant, scope: { categories: ['medications', 'allergies'] } });
		// Fine-grained scope holds: no note, no image, no lab.
		expect(titles(share)).toEqual(['Amoxicillin', 'Penicillin allergy']);
		expect(share.records.map((r) => r.category).sort()).toEqual(['allergies', 'medications']);
		for (const r of share.records) expect(await readSharedAttachment(doctor.deps, share, r, r.attachments[0])).toEqual(text(r.title));

		// Another provider addressed by nobody sees nothing.
		expect(await openSharedWithMe(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys })).toEqual([]);
	});

	it('epoch rotation: new records reach active grantees; after revoke they are sealed to the next epoch and reach only the others', async () => {
		const second = await grantAccess(patient.deps, patientVault, { grantee: doctor2.address, scope: { categories: ['medications'] }, expiresAt: 0 });
		patientVault = second.vault;
		doctor2Grant = second.grantId;

		let added = await add(patient, patientVault, [['Ibuprofen', 'medications']]);
		let extended = await extendGrants(patient.deps, added.vault, added.records);
		patientVault = extended.vault;
		expect(extended.updated.sort()).toEqual([doctorGrant, doctor2Grant].sort());
		const doctorSees = (await openSharedGrant(doctor.deps, { address: doctor.address, keys: doctorVault.keys }, doctorGrant));
		expect(titles(doctorSees)).toEqual(['Amoxicillin', 'Ibuprofen', 'Penicillin allergy']);

		// A note reaches nobody: no grant covers notes.
		const note = await add(patient, patientVault, [['Second note', 'notes']]);
		expect((await extendGrants(patient.deps, note.vault, note.records)).updated).toEqual([]);
		patientVault = note.vault;

		patientVault = await revokeAccess(patient.deps, patientVault, doctorGrant);
		expect(patientVault.index.epochs).toMatchObject({ medications: 1, allergies: 1 });
		// A share opened before the revocation opens no attachment after it: the chain is asked first.
		const ibuprofen = doctorSees.records.find((r) => r.title === 'Ibuprofen')!;
		await expect(readSharedAttachment(doctor.deps, doctorSees, ibuprofen, ibuprofen.attachments[0])).rejects.toBeInstanceOf(GrantRevokedError);
		expect(patientVault.index.epochs.notes ?? 0).toBe(0);

		added = await add(patient, patientVault, [['Metformin', 'medications']]);
		expect(added.records[0].attachments[0].manifest.epoch).toBe(1);
		extended = await extendGrants(patient.deps, added.vault, added.records);
		patientVault = extended.vault;
		expect(extended.updated).toEqual([doctor2Grant]);

		// The other grantee gets it (epoch-1 key, a fresh kfrag), and it opens.
		const other = await openSharedGrant(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys }, doctor2Grant);
		expect(titles(other)).toEqual(['Amoxicillin', 'Ibuprofen', 'Metformin']);
		const metformin = other.records.find((r) => r.title === 'Metformin')!;
		expect(metformin.attachments[0].epoch).toBe(1);
		expect(await readSharedAttachment(doctor2.deps, other, metformin, metformin.attachments[0])).toEqual(text('Metformin'));

		// The revoked grantee is refused with the clear error, and its last bundle never held Metformin.
		await expect(openSharedGrant(doctor.deps, { address: doctor.address, keys: doctorVault.keys }, doctorGrant)).rejects.toBeInstanceOf(GrantRevokedError);
		const [revoked] = await openSharedWithMe(doctor.deps, { address: doctor.address, keys: doctorVault.keys });
		expect(revoked).toMatchObject({ status: 'revoked', records: [] });
		expect(revoked.error).toBeInstanceOf(GrantRevokedError);
		expect(revoked.error?.shortMessage).toContain('cannot be taken back');
		await expect(extendGrants(patient.deps, patientVault, added.records)).resolves.toMatchObject({ updated: [doctor2Grant] });

		// Another device (index without grants or epochs) rebuilds both from the chain alone.
		const fresh: OpenVault = { ...patientVault, index: { ...patientVault.index, grants: undefined, epochs: {} } };
		const synced = await syncGrants(patient.deps, fresh);
		expect(synced.index.grants?.map((g) => [g.id, g.kind, g.scope]).sort()).toEqual(
			[
				[doctorGrant.toString(), 'provider', { categories: ['medications', 'allergies'] }],
				[doctor2Grant.toString(), 'provider', { categories: ['medications'] }]
			].sort()
		);
		expect(synced.index.epochs).toMatchObject({ medications: 1, allergies: 1 });

		const mine = await listMyGrants(patient.deps, patientVault);
		expect(mine.map((g) => [g.id, g.state?.active])).toEqual([
			[doctor2Grant.toString(), true],
			[doctorGrant.toString(), false]
		]);
	});

	it('shareNewRecords: only the records this tab added reach active grantees; records merged from another device are left to it', async () => {
		const before = patientVault;
		const merged = await add(patient, before, [['Merged from a laptop', 'medications']]);
		// Another device added this one and sent it already: nothing goes out, the vault comes back as it was.
		expect(await shareNewRecords(patient.deps, before, merged.vault, [])).toBe(merged.vault);
		let other = await openSharedGrant(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys }, doctor2Grant);
		expect(titles(other)).not.toContain('Merged from a laptop');
		// Added here: it reaches the active medications grant.
		patientVault = await shareNewRecords(patient.deps, before, merged.vault, merged.records.map((r) => r.id));
		other = await openSharedGrant(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys }, doctor2Grant);
		expect(titles(other)).toContain('Merged from a laptop');
	});

	it('share link: opens with no wallet, exactly its scope; refused once revoked; a damaged or foreign link is refused', async () => {
		const made = await createShareLink(patient.deps, patientVault, { scope: { categories: ['labs'] }, expiresAt: 0 }, 'https://carevault.test/');
		patientVault = made.vault;
		expect(made.url.startsWith('https://carevault.test/#/link/')).toBe(true);
		expect(made.url.split('#')[0]).toBe('https://carevault.test/');
		expect(patientVault.index.grants?.find((g) => g.id === made.grantId.toString())?.kind).toBe('link');

		const share = await openShareLink(viewer(), made.url);
		expect(titles(share)).toEqual(['Blood count']);
		expect(share).toMatchObject({ grantId: made.grantId, patient: patient.address, expiresAt: 0 });
		expect(await readSharedAttachment(viewer(), share, share.records[0], share.records[0].attachments[0])).toEqual(text('Blood count'));

		// A lab added later reaches the link too (it reads the latest pointer on-chain).
		const lab = await add(patient, patientVault, [['Lipid panel', 'labs']]);
		const ext = await extendGrants(patient.deps, lab.vault, lab.records);
		patientVault = ext.vault;
		expect(ext.updated).toEqual([made.grantId]);
		expect(titles(await openShareLink(viewer(), made.url))).toEqual(['Blood count', 'Lipid panel']);

		// A link whose secrets do not match the grant's throwaway address.
		const other = await createShareLink(patient.deps, patientVault, { scope: { categories: ['labs'] }, expiresAt: 0 }, 'https://carevault.test/');
		patientVault = other.vault;
		const a = JSON.parse(Buffer.from(made.url.split('/link/')[1], 'base64url').toString()) as Record<string, unknown>;
		const b = JSON.parse(Buffer.from(other.url.split('/link/')[1], 'base64url').toString()) as Record<string, unknown>;
		const mixed = Buffer.from(JSON.stringify({ ...a, x: b.x, u: b.u })).toString('base64url');
		await expect(openShareLink(viewer(), `#/link/${mixed}`)).rejects.toBeInstanceOf(LinkInvalidError);
		const missing = Buffer.from(JSON.stringify({ ...a, g: '999999' })).toString('base64url');
		await expect(openShareLink(viewer(), `#/link/${missing}`)).rejects.toBeInstanceOf(LinkInvalidError);

		patientVault = await revokeAccess(patient.deps, patientVault, made.grantId);
		await expect(openShareLink(viewer(), made.url)).rejects.toBeInstanceOf(GrantRevokedError);
		// The other link still opens.
		expect(titles(await openShareLink(viewer(), other.url))).toEqual(['Blood count', 'Lipid panel']);
	});

	it("a bundle altered by someone holding its key is refused: it does not match the patient's on-chain commitment", async () => {
		const made = await createShareLink(patient.deps, patientVault, { scope: { categories: ['allergies'] }, expiresAt: 0 }, 'https://carevault.test/');
		patientVault = made.vault;
		// Untouched, it opens.
		expect(titles(await openShareLink(viewer(), made.url))).toEqual(['Penicillin allergy']);

		// Whoever holds the link holds the bundle key: it can decrypt, alter, re-encrypt and seal a pointer to the link's key.
		const link = decodeLinkPayload(made.url);
		const linkKeys = await throwawayFromSecrets(link.inboxSecret, link.umbralSecret);
		const original = (await fetchBundle(ipfs.blobStore, { cid: link.bundleCid, key: link.bundleKey })) as GrantBundle;
		/** The real grant as the viewer reads it, with the altered bundle's pointer swapped in on the way (the patient's commitment untouched). */
		async function delivering(bundle: GrantBundle, grantee: { inbox: Uint8Array }) {
			const cid = await ipfs.blobStore.addBytes(await encryptBlob(fromBase64(link.bundleKey), utf8(JSON.stringify(bundle)), BUNDLE_AD));
			const { sealedPointer } = await sealGrantPointer({ cid, key: link.bundleKey }, grantee.inbox, { address: patient.address, indexKey: randomBytes(32) });
			const swap = (state: GrantState | null) => state && { ...state, sealedPointer };
			const real = viewer();
			const grants: GrantChain = {
				...real.grants,
				readGrant: async (id) => swap(await real.grants.readGrant(id)),
				listGrantsForGrantee: async (who) => (await real.grants.listGrantsForGrantee(who)).map((s) => swap(s)!)
			};
			return { blobs: real.blobs, grants };
		}
		const forged = { ...structuredClone(original.records[0]), id: 'forged', title: 'Fabricated diagnosis' };
		const altered: Record<string, GrantBundle> = {
			'an extra record': { ...original, records: [...original.records, forged] },
			'another key epoch': {
				...original,
				keys: original.keys.map((k) => ({ ...k, epoch: k.epoch + 1 })),
				records: original.records.map((r) => ({ ...r, attachments: r.attachments.map((a) => ({ ...a, epoch: a.epoch + 1 })) }))
			},
			'a wider scope': { ...original, scope: { categories: ['allergies', 'notes'] } },
			'a record removed': { ...original, records: [] },
			'another salt': { ...original, salt: toBase64(randomBytes(32)) }
		};
		for (const [what, bundle] of Object.entries(altered)) {
			const err = await openShareLink(await delivering(bundle, { inbox: linkKeys.inbox.publicKey }), made.url).catch((e: unknown) => e);
			expect(err, what).toBeInstanceOf(GrantCommitmentMismatchError);
			expect((err as GrantCommitmentMismatchError).shortMessage).toBe("This share does not match what the patient signed on-chain; it was not shown.");
		}

		// A provider's "shared with me" lists such a grant as unavailable, with the same reason, and shows none of it.
		const doctor2Pointer = await openGranteePointer((await viewer().grants.readGrant(doctor2Grant))!.sealedPointer, doctor2Vault.keys.inbox);
		const doctor2Bundle = (await fetchBundle(ipfs.blobStore, doctor2Pointer!)) as GrantBundle;
		const extra = { ...structuredClone(doctor2Bundle.records[0]), id: 'forged', title: 'Fabricated diagnosis' };
		const deps = await delivering({ ...doctor2Bundle, records: [...doctor2Bundle.records, extra] }, { inbox: doctor2Vault.keys.inbox.publicKey });
		const listed = (await openSharedWithMe(deps, { address: doctor2.address, keys: doctor2Vault.keys })).find((x) => x.grantId === doctor2Grant)!;
		expect(listed).toMatchObject({ status: 'unavailable', records: [] });
		expect(listed.error).toBeInstanceOf(GrantCommitmentMismatchError);
		// Delivered as the patient made it, the same grant opens.
		expect((await openSharedWithMe(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys })).find((x) => x.grantId === doctor2Grant)?.status).toBe('active');
	});

	it('a share link is shown again from the chain and the vault keys alone: same secrets, latest records, on another device too', async () => {
		const site = 'https://carevault.test/';
		patientVault = (await add(patient, patientVault, [['Tetanus booster', 'immunizations']])).vault;
		const made = await createShareLink(patient.deps, patientVault, { scope: { categories: ['immunizations'] }, expiresAt: 0 }, site);
		patientVault = made.vault;
		expect(await showShareLink(patient.deps, patientVault, made.grantId, site)).toBe(made.url);

		// Another device: a fresh local store, the vault unlocked by passphrase; nothing about the link was kept anywhere.
		const elsewhere = await unlockVault({ ...patient.vaultDeps, local: memoryLocal() }, { kind: 'passphrase', passphrase: 'patient passphrase 1' });
		expect(await showShareLink(patient.deps, elsewhere, made.grantId, site)).toBe(made.url);

		// After an immunization is added the grant has a new bundle: the link shown again points at it, with the same keys.
		const more = await add(patient, patientVault, [['Influenza vaccine', 'immunizations']]);
		patientVault = (await extendGrants(patient.deps, more.vault, more.records)).vault;
		const again = await showShareLink(patient.deps, patientVault, made.grantId, site);
		const [first, latest] = [decodeLinkPayload(made.url), decodeLinkPayload(again)];
		expect(latest.bundleCid).not.toBe(first.bundleCid);
		expect(latest.inboxSecret).toEqual(first.inboxSecret);
		expect(latest.umbralSecret).toEqual(first.umbralSecret);
		expect(titles(await openShareLink(viewer(), again))).toEqual(['Influenza vaccine', 'Tetanus booster']);

		// Not a link, not the patient's, or revoked: refused with a reason.
		await expect(showShareLink(patient.deps, patientVault, doctorGrant, site)).rejects.toBeInstanceOf(LinkNotRecoverableError);
		await expect(showShareLink(doctor.deps, doctorVault, made.grantId, site)).rejects.toThrow('not one of your shares');
		patientVault = await revokeAccess(patient.deps, patientVault, made.grantId);
		await expect(showShareLink(patient.deps, patientVault, made.grantId, site)).rejects.toThrow('you revoked it');
	});

	it('access request: a provider asks, the patient reads the reason and approves (a grant) or declines; the provider sees the outcome', async () => {
		await expect(
			requestAccess(doctor2.deps, doctor2Vault, { patient: patient.address, reason: 'Second opinion', categories: ['notes'] })
		).rejects.toBeInstanceOf(NotARegisteredProviderError);

		const first = await requestAccess(doctor.deps, doctorVault, { patient: patient.address, reason: 'Pre-op review', categories: ['notes', 'imaging'] });
		const second = await requestAccess(doctor.deps, doctorVault, { patient: patient.address, reason: 'Just curious', categories: ['labs'] });
		const inbox = await listAccessRequests({ ...patient.deps, providers: patient.providers }, patientVault);
		expect(inbox.map((r) => r.id)).toEqual([second, first]);
		const req = inbox.find((r) => r.id === first)!;
		expect(req).toMatchObject({ status: 'pending', requester: doctor.address, reason: 'Pre-op review', categories: ['notes', 'imaging'], provider: { name: 'Dr. Grace Hopper' } });
		expect(req.problem).toBeUndefined();

		// Checked before anything is sent: only the addressed patient answers.
		await expect(answerAccessRequest(patient.deps, patientVault, { ...req, patient: doctor.address }, { approve: true })).rejects.toBeInstanceOf(ShareInputError);
		patientVault = await answerAccessRequest(patient.deps, patientVault, req, { approve: true });
		patientVault = await answerAccessRequest(patient.deps, patientVault, inbox.find((r) => r.id === second)!, { approve: false });

		const outcome = await listMyAccessRequests(doctor.deps);
		const approved = outcome.find((r) => r.id === first)!;
		expect(approved.status).toBe('approved');
		expect(outcome.find((r) => r.id === second)?.status).toBe('declined');
		const share = await openSharedGrant(doctor.deps, { address: doctor.address, keys: doctorVault.keys }, approved.grantId!);
		expect(titles(share)).toEqual(['Chest X-ray', 'Second note', 'Visit note']);
		// The approval's grant went to the requester in the same transaction as the answer.
		expect(await patient.deps.grants.readGrant(approved.grantId!)).toMatchObject({ patient: patient.address, grantee: doctor.address, active: true });
	});

	it('a grant whose bundle nobody can serve: listed from the chain without fetching, it alone fails with PayloadUnavailableError; the other shares open', async () => {
		// A bundle that exists only on a node nobody can reach, granted the way the app does (sealed pointer + commitment).
		const nowhere = await createMemoryNode();
		const key = globalThis.crypto.getRandomValues(new Uint8Array(32));
		const cid = await nowhere.blobStore.addBytes(utf8('never reachable'));
		await nowhere.stop();
		const granteeKeys = (await patient.deps.chain.readKeys(doctor2.address))!;
		const { sealedPointer } = await sealGrantPointer({ cid, key: toBase64(key) }, granteeKeys.inbox, {
			address: patient.address,
			indexKey: patientVault.keys.index
		});
		// The bundle can never be fetched, so its commitment is never checked: any value does.
		const commitment = `0x${'11'.repeat(32)}` as Hex;
		const { id: brokenGrant } = await patient.deps.grants.grant({ grantee: doctor2.address, expiresAt: 0, sealedPointer, commitment });

		let fetched = 0;
		const counting: BlobStore = { ...ipfs.blobStore, cat: (c, o) => (fetched++, ipfs.blobStore.cat(c, o)), getBytes: (c, o) => (fetched++, ipfs.blobStore.getBytes(c, o)) };
		const me = { address: doctor2.address, keys: doctor2Vault.keys };
		const listed = await listSharedWithMe(doctor2.deps, me);
		expect(fetched).toBe(0);
		expect(listed[0]).toMatchObject({ id: brokenGrant, active: true, patient: patient.address });

		await expect(openSharedState({ blobs: counting }, me, listed[0], { timeoutMs: 2000 })).rejects.toBeInstanceOf(PayloadUnavailableError);
		const all = await openSharedWithMe(doctor2.deps, me, { timeoutMs: 2000 });
		const broken = all.find((s) => s.grantId === brokenGrant)!;
		expect(broken.status).toBe('unavailable');
		expect(broken.error).toBeInstanceOf(PayloadUnavailableError);
		expect(all.find((s) => s.grantId === doctor2Grant)?.status).toBe('active');
		await patient.deps.grants.revoke({ id: brokenGrant });
	});

	it('expiry: a link and a provider grant are refused once the chain clock passes their expiry', async () => {
		const now = await blockTime();
		const expiresAt = now + 3600;
		const link = await createShareLink(patient.deps, patientVault, { scope: { categories: ['allergies'] }, expiresAt }, 'https://carevault.test/', {
			now: new Date(now * 1000)
		});
		patientVault = link.vault;
		const grant = await grantAccess(patient.deps, patientVault, { grantee: doctor2.address, scope: { categories: ['notes'] }, expiresAt }, { now: new Date(now * 1000) });
		patientVault = grant.vault;
		expect(titles(await openShareLink(viewer(), link.url))).toEqual(['Penicillin allergy']);

		await chain.publicClient.request({ method: 'evm_increaseTime', params: [7200] } as never);
		await chain.publicClient.request({ method: 'evm_mine', params: [] } as never);

		const err = await openShareLink(viewer(), link.url).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(GrantExpiredError);
		expect((err as GrantExpiredError).expiresAt).toBe(expiresAt);
		expect((err as GrantExpiredError).shortMessage).toMatch(/^This share expired on /);
		const mine = await openSharedWithMe(doctor2.deps, { address: doctor2.address, keys: doctor2Vault.keys });
		const expired = mine.find((s) => s.grantId === grant.grantId)!;
		expect(expired.status).toBe('expired');
		expect(expired.error).toBeInstanceOf(GrantExpiredError);
		// The unexpired grant to the same provider still opens.
		expect(mine.find((s) => s.grantId === doctor2Grant)?.status).toBe('active');
	});
});
