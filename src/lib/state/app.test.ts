/**
 * The app object and its page states in node, on real parts: anvil with the
 * deployed contracts, a MetaMask-like wallet over anvil keys (WalletSession as
 * in the browser), a Helia memory node, libsodium and Umbral. Only the
 * environment differs from a tab: memory blobs and local values, encryption on
 * this thread. Each App below is one person's browser tab.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { startTestChain, ANVIL_PRIVATE_KEYS, type TestChain } from '../../../tests/setup/anvil';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { nodeProvider } from '../../../tests/e2e/walletBackend';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import { ANNOUNCE_EVENT, REQUEST_EVENT, type WalletWindow } from '../wallet/discover';
import { WalletSession } from '../wallet/session.svelte';
import type { AppConfig } from '../config';
import { bytesFile, FHIR_JSON } from '../vault/fhirRecords';
import { utf8 } from '../crypto/encoding';
import { GrantRevokedError } from '../vault/sharing/errors';
import { SharedGatewayOriginError, VaultLockedError } from '../vault/errors';
import { App } from './app.svelte';
import type { Environment } from './ports';

let chain: TestChain;
let ipfs: MemoryNode;
let config: AppConfig;

beforeAll(async () => {
	chain = await startTestChain();
	ipfs = await createMemoryNode();
	config = {
		chainId: chain.chain.id,
		chainName: 'Carevault Test',
		rpcUrl: chain.rpcUrl,
		contracts: chain.config.contracts as AppConfig['contracts'],
		deployBlock: chain.deployBlock,
		ipfsPeers: [],
		appDomain: 'carevault.test',
		appUri: 'https://carevault.test/',
		providerSchemaUid: chain.providerSchemaUid,
		trustedAttesters: [],
		logBlockRange: 10_000,
		gateways: [],
		pinning: null
	};
});
afterAll(async () => {
	await ipfs?.stop();
	await chain?.stop();
});

/** One person's tab: their own device store, the shared IPFS network, a wallet over anvil key `key`. */
function tab(key: number, options: { refusal?: Error } = {}) {
	const { provider, backend } = nodeProvider({ rpcUrl: chain.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[key] as Hex, chainId: chain.chain.id });
	const target: WalletWindow = new EventTarget();
	const info = { uuid: `u-${key}`, name: 'Carevault Test Wallet', icon: 'data:,', rdns: 'dev.carevault.testwallet' };
	target.addEventListener(REQUEST_EVENT, () => target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: Object.freeze({ info, provider }) })));
	const wallet = new WalletSession({ config, window: target, discoverTimeoutMs: 5 });
	let blobStores = 0;
	const env: Environment = {
		blobs: async () => {
			blobStores++;
			return ipfs.blobStore;
		},
		local: memoryLocal(),
		refusal: options.refusal ?? null
	};
	const app = new App({ config, wallet, env, siteUrl: 'https://carevault.test/', saveFile: async () => { throw new Error('no files in this test'); } });
	return { app, backend, builds: () => blobStores };
}

/** Connects, then creates the vault (wallet signatures only) or unlocks it. */
async function open(t: ReturnType<typeof tab>) {
	await t.app.wallet.connect();
	await until(() => t.app.vault.status !== 'idle' && t.app.vault.status !== 'checking');
	if (t.app.vault.status === 'no-vault') await t.app.vault.create();
	else await t.app.vault.unlock();
	expect(t.app.vault.notice?.kind === 'error' ? t.app.vault.notice.text : null).toBeNull();
	expect(t.app.vault.status).toBe('unlocked');
}

async function until(condition: () => boolean, ms = 5_000) {
	for (let i = 0; i < ms / 10 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
	expect(condition()).toBe(true);
}

const file = (title: string) => bytesFile(`${title}.txt`, 'text/plain', utf8(`${title}: content\n`));
const textOf = async (blob: Blob) => new TextDecoder().decode(new Uint8Array(await blob.arrayBuffer()));

describe('App: the composition root in node', () => {
	it('builds the ports once per account and chain; another account locks the vault, drops the ports and starts new page states', async () => {
		const t = tab(5);
		await open(t);
		const first = await t.app.ports();
		expect(await t.app.ports()).toBe(first);
		const share = t.app.pages.share;
		await t.app.pages.share.load();
		await t.app.pages.trust.preferences();
		expect(t.app.pages.share).toBe(share);
		// Every page state reached the same ports: the blob store was asked for once.
		expect(t.builds()).toBe(1);
		expect(first.signer.address).toBe(chain.account(5).address);

		await t.backend.setAccount(ANVIL_PRIVATE_KEYS[6] as Hex);
		await until(() => t.app.wallet.address === chain.account(6).address && t.app.vault.status === 'no-vault');
		expect(t.app.pages.share).not.toBe(share);
		const second = await t.app.ports();
		expect(second).not.toBe(first);
		expect(second.signer.address).toBe(chain.account(6).address);
		await expect(t.app.vault.get()).rejects.toBeInstanceOf(VaultLockedError);
	});

	it('lock forgets the keys and every page state opened with them', async () => {
		const t = tab(7);
		await open(t);
		const inbox = t.app.pages.inbox;
		expect(await t.app.pages.inbox.load()).toBe(true);
		t.app.lock();
		expect(t.app.vault.status).toBe('locked');
		expect(t.app.pages.inbox).not.toBe(inbox);
		expect(t.app.pages.inbox.items).toEqual([]);
		await expect(t.app.vault.get()).rejects.toBeInstanceOf(VaultLockedError);
		// The new page states cannot reach the old keys either.
		expect(await t.app.pages.inbox.load()).toBe(false);
		expect(t.app.pages.inbox.notice?.text).toMatch(/locked/i);
	});

	it('on a refused origin the vault is refused and nothing asks the wallet for a signature', async () => {
		const t = tab(8, { refusal: new SharedGatewayOriginError('https://gateway.test/ipfs/bafy/', 'https://carevault.test/') });
		await t.app.wallet.connect();
		expect(t.app.vault.status).toBe('refused');
		await t.app.vault.create();
		expect(t.backend.requests).not.toContain('personal_sign');
		expect(t.app.vault.refusal).toMatch(/shared IPFS gateway/);
	});
});

describe('page states over the app (patient, doctor, link viewer)', () => {
	const patient = () => tab(1);
	const doctor = () => tab(2);
	let p: ReturnType<typeof tab>;
	let d: ReturnType<typeof tab>;

	beforeAll(async () => {
		p = patient();
		d = doctor();
		await open(p);
		await open(d);
		expect(await d.app.pages.provider.register('Dr. Ada Lovelace', 'physician')).toBe(true);
	});

	it('a grant made on the share page; a record added later reaches the grantee by the use case rule; a revoke stops the next open', async () => {
		expect(await p.app.vault.add([{ title: 'Amoxicillin', category: 'medications', date: '2025-01-02', kind: 'file', files: [file('Amoxicillin')] }])).toBe(true);
		// The page looks the grantee up as the address is typed.
		expect((await p.app.pages.share.lookupProvider(d.app.wallet.address!))?.name).toBe('Dr. Ada Lovelace');
		expect(await p.app.pages.share.grant({ grantee: d.app.wallet.address as Hex, scope: { categories: ['medications'] }, expiresAt: 0 })).toBe(true);
		expect(p.app.pages.share.notice?.text).toMatch(/Shared with Dr. Ada Lovelace/);
		expect(p.app.pages.share.grants).toHaveLength(1);

		expect(await p.app.vault.add([{ title: 'Ibuprofen', category: 'medications', date: '2025-02-03', kind: 'file', files: [file('Ibuprofen')] }])).toBe(true);
		expect(p.app.vault.notice).toEqual({ kind: 'success', text: 'Record added.' });

		expect(await d.app.pages.shared.load()).toBe(true);
		await until(() => d.app.pages.shared.shares[0]?.status === 'active');
		const share = d.app.pages.shared.shares[0].share!;
		expect(share.records.map((r) => r.title).sort()).toEqual(['Amoxicillin', 'Ibuprofen']);
		const ibuprofen = share.records.find((r) => r.title === 'Ibuprofen')!;
		expect(await textOf(await d.app.pages.shared.open(share, ibuprofen, ibuprofen.attachments[0]))).toBe('Ibuprofen: content\n');

		expect(await p.app.pages.share.revoke(BigInt(p.app.pages.share.grants[0].id))).toBe(true);
		await expect(d.app.pages.shared.open(share, ibuprofen, ibuprofen.attachments[0])).rejects.toBeInstanceOf(GrantRevokedError);
	});

	it('a proposal sent from the provider page is accepted in the patient inbox and lands in the vault', async () => {
		expect(await d.app.pages.provider.propose({ patient: p.app.wallet.address!, title: 'Blood count', category: 'labs', date: '2025-03-04', files: [file('Blood count')] })).toBe(true);
		expect(await p.app.pages.inbox.load()).toBe(true);
		const item = p.app.pages.inbox.items.find((i) => i.provider.address.toLowerCase() === d.app.wallet.address!.toLowerCase());
		expect(item).toBeDefined();
		const opened = await p.app.pages.inbox.fetch(item!);
		expect(opened.payload?.title).toBe('Blood count');
		expect(await p.app.pages.inbox.accept(opened)).toBe(true);
		expect(p.app.vault.records.map((r) => r.title)).toContain('Blood count');
		const record = p.app.vault.records.find((r) => r.title === 'Blood count')!;
		expect(await textOf(await p.app.vault.open(record, record.attachments[0]))).toBe('Blood count: content\n');
	});

	it('a share link made on the share page opens in a tab with no wallet', async () => {
		expect(await p.app.pages.share.createLink({ scope: { categories: ['labs'] }, expiresAt: 0 })).toBe(true);
		const url = p.app.pages.share.link!.url;
		const viewer = tab(9);
		expect(await viewer.app.link.open(url)).toBe(true);
		const share = viewer.app.link.share!;
		expect(share.records.map((r) => r.title)).toEqual(['Blood count']);
		expect(await textOf(await viewer.app.link.openAttachment(share.records[0], share.records[0].attachments[0]))).toBe('Blood count: content\n');
		expect(viewer.backend.requests).toEqual([]);

		// Revoked: the next open refuses and the viewer hides the records.
		const grant = p.app.pages.share.grants.find((g) => g.kind === 'link')!;
		expect(await p.app.pages.share.revoke(BigInt(grant.id))).toBe(true);
		await expect(viewer.app.link.openAttachment(share.records[0], share.records[0].attachments[0])).rejects.toBeInstanceOf(GrantRevokedError);
		expect(viewer.app.link.share).toBeNull();
		expect(viewer.app.link.refusal?.name).toBe('GrantRevokedError');
	});

	it('home: allergies and medications at a glance, what waits for an answer, and who can see what until when', async () => {
		const allergy = { resourceType: 'AllergyIntolerance', id: 'a1', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, code: { text: 'Penicillin' }, recordedDate: '2020-05-01' };
		expect(await p.app.vault.add([{ title: 'Penicillin allergy', category: 'allergies', date: '2020-05-01', kind: 'fhir', resourceType: 'AllergyIntolerance', files: [bytesFile('allergy.json', FHIR_JSON, utf8(JSON.stringify(allergy)))] }])).toBe(true);
		expect(await d.app.pages.provider.propose({ patient: p.app.wallet.address!, title: 'X-ray report', category: 'imaging', date: '2025-04-05', files: [file('X-ray report')] })).toBe(true);
		const end = Math.floor(Date.now() / 1000) + 30 * 86_400;
		expect(await p.app.pages.share.grant({ grantee: d.app.wallet.address as Hex, scope: { categories: ['allergies'] }, expiresAt: end })).toBe(true);

		const home = p.app.pages.home;
		await home.load();
		expect(home.error).toBeNull();
		expect(home.lists?.allergies.map((i) => i.display)).toEqual(['Penicillin']);
		expect(home.waiting).toEqual({ proposals: 1, requests: 0 });
		// The revoked grant and the revoked link of the tests above are not "who can see".
		expect(home.activeShares.map((g) => [g.grantee.toLowerCase(), g.state?.expiresAt])).toEqual([[d.app.wallet.address!.toLowerCase(), end]]);
	});
});

describe('import and export page states', () => {
	const fixture = (name: string) => {
		const text = readFileSync(new URL(`../../../tests/fixtures/synthea-10/${name}.ndjson`, import.meta.url), 'utf8');
		return { name: `${name}.ndjson`, size: text.length, text: async () => text };
	};
	const files = ['Patient', 'AllergyIntolerance', 'Condition'].map(fixture);

	it('imports one patient; the same files again add nothing; the export holds what was imported', async () => {
		const t = tab(4);
		await open(t);
		expect(await t.app.pages.export.run('summary')).toBe(false);
		expect(t.app.pages.export.error).toMatch(/needs your Patient resource/);

		const imp = t.app.pages.import;
		await imp.read(files);
		expect(imp.error).toBeNull();
		expect(imp.patients.length).toBeGreaterThan(1);
		const patient = imp.patients[0].id;
		imp.choose(patient);
		await until(() => imp.plan !== null, 60_000);
		const stored = imp.toStore;
		expect(stored).toBeGreaterThan(1);
		expect(imp.plan!.present).toHaveLength(0);
		expect(imp.perCategory.reduce((n, g) => n + (g.fresh ?? 0), 0)).toBe(imp.plan!.fresh.length);
		expect(await imp.run()).toBe(true);
		expect(t.app.vault.records.length).toBeGreaterThan(0);

		await imp.read(files);
		imp.choose(patient);
		await until(() => imp.plan !== null, 60_000);
		expect(imp.toStore).toBe(0);
		expect(imp.plan!.present).toHaveLength(stored);
		expect(await imp.run()).toBe(false);

		const exp = t.app.pages.export;
		expect(await exp.run('bundle')).toBe(true);
		expect(exp.error).toBeNull();
		expect(exp.download!.count + exp.leftOut.length).toBe(stored);
		expect(exp.download!.name).toMatch(/^carevault-bundle-\d{4}-\d{2}-\d{2}\.json$/);
		expect(await exp.run('summary')).toBe(true);
		expect(exp.download!.name).toMatch(/^carevault-patient-summary-/);
	});
});
