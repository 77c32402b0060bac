/**
 * Remote copies through the app object in node, on real parts: anvil with the
 * contracts, the wallet over anvil keys, libsodium and Umbral, the real local
 * IPFS peer (scripts/ipfs-peer.mjs: blocks on disk, its Pinning Service API),
 * and Helia memory nodes as the patient's two devices. The first device never
 * dials the peer: its blocks leave only because the pinning service's
 * delegates are dialled. The second device starts empty and knows only the
 * wallet, the chain and the peer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { startTestChain, ANVIL_PRIVATE_KEYS, type TestChain } from '../../../tests/setup/anvil';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { nodeProvider } from '../../../tests/e2e/walletBackend';
import { startIpfsPeer } from '../../../scripts/ipfs-peer.mjs';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import { remoteCopyPort } from '../ipfs/pinningService';
import { ANNOUNCE_EVENT, REQUEST_EVENT, type WalletWindow } from '../wallet/discover';
import { WalletSession } from '../wallet/session.svelte';
import type { AppConfig } from '../config';
import { bytesFile } from '../vault/fhirRecords';
import { utf8 } from '../crypto/encoding';
import type { LocalStore } from '../vault/ports';
import { App } from './app.svelte';
import type { Environment } from './ports';

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
let chain: TestChain;
let peer: Peer;
let config: AppConfig;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
	[chain, peer] = await Promise.all([startTestChain(), startIpfsPeer({ port: 0, httpPort: 0 })]);
	cleanups.push(() => chain.stop(), () => peer.stop());
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
		pinning: { endpoint: peer.pinning.endpoint }
	};
});
afterAll(async () => {
	for (const fn of cleanups.reverse()) await fn().catch(() => {});
});

/** One device: its own IPFS node and device store, a wallet over anvil key `key`; unlocked (or created) unless `unlock` is false. */
async function device(key: number, node: MemoryNode, local: LocalStore = memoryLocal(), unlock = true) {
	const { provider } = nodeProvider({ rpcUrl: chain.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[key] as Hex, chainId: chain.chain.id });
	const target: WalletWindow = new EventTarget();
	const info = { uuid: `u-${key}`, name: 'Carevault Test Wallet', icon: 'data:,', rdns: 'dev.carevault.testwallet' };
	target.addEventListener(REQUEST_EVENT, () => target.dispatchEvent(new CustomEvent(ANNOUNCE_EVENT, { detail: Object.freeze({ info, provider }) })));
	const wallet = new WalletSession({ config, window: target, discoverTimeoutMs: 5 });
	const env: Environment = {
		blobs: async () => node.blobStore,
		local,
		remoteCopy: async () => remoteCopyPort(node, { pollMs: 100 }),
		refusal: null
	};
	const app = new App({ config, wallet, env, siteUrl: 'https://carevault.test/', saveFile: async () => { throw new Error('no files in this test'); } });
	await app.wallet.connect();
	await until(() => app.vault.status !== 'idle' && app.vault.status !== 'checking');
	if (!unlock) return app;
	if (app.vault.status === 'no-vault') await app.vault.create();
	else await app.vault.unlock();
	expect(app.vault.notice?.kind === 'error' ? app.vault.notice.text : null).toBeNull();
	expect(app.vault.status).toBe('unlocked');
	return app;
}

async function until(condition: () => boolean, ms = 10_000) {
	for (let i = 0; i < ms / 10 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
	expect(condition()).toBe(true);
}

async function memoryNode(options: Parameters<typeof createMemoryNode>[0]) {
	const node = await createMemoryNode(options);
	cleanups.push(() => node.stop());
	return node;
}

/** A device store that keeps every value written, to look for secrets in clear. */
function recordingLocal(): LocalStore & { values(): Uint8Array[] } {
	const map = new Map<string, Uint8Array>();
	return { get: async (k) => map.get(k) ?? null, put: async (k, v) => void map.set(k, v), delete: async (k) => void map.delete(k), values: () => [...map.values()] };
}

const contains = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));
const textOf = async (blob: Blob) => new TextDecoder().decode(new Uint8Array(await blob.arrayBuffer()));
const file = (title: string, body: string) => bytesFile(`${title}.txt`, 'text/plain', utf8(body));

describe('remote copies through the app', () => {
	it('copies every record, the index and the key header to a pinning service; a failing one shows failed with its reason and never fails an add; a new device restores from the wallet alone', async () => {
		// Networking on, no peer dialled: nothing leaves this device unless a pinning service is asked.
		const first = await memoryNode({ networking: true });
		const local = recordingLocal();
		const app = await device(4, first, local);
		const remote = app.pages.remote;
		await remote.load();
		expect(remote.suggested).toBe(peer.pinning.endpoint);
		expect(app.pages.home.copies).toMatchObject({ remotes: 0 });

		expect(await remote.test({ endpoint: peer.pinning.endpoint, token: 'wrong-token' })).toBe(false);
		expect(remote.tested.new.text).toMatch(/refused the access token/);
		expect(await remote.test({ endpoint: 'http://127.0.0.1:9', token: 'x' })).toBe(false);
		expect(remote.tested.new.text).toMatch(/did not answer/);
		expect(await remote.test({ endpoint: peer.pinning.endpoint, token: peer.pinning.token })).toBe(true);

		expect(await remote.add({ name: 'local peer', endpoint: peer.pinning.endpoint, token: peer.pinning.token })).toBe(true);
		expect(await remote.add({ name: 'bad token', endpoint: peer.pinning.endpoint, token: 'wrong-token' })).toBe(true);

		const bodies = { 'Blood count': 'Hb 14.1 g/dL\n', 'Chest X-ray': 'no findings\n' };
		for (const [title, body] of Object.entries(bodies))
			expect(await app.vault.add([{ title, category: 'labs', date: '2025-03-04', kind: 'file', files: [file(title, body)] }])).toBe(true);
		await remote.idle();

		for (const record of app.vault.records) {
			const state = remote.recordState(record);
			expect(state.kind).toBe('failed');
			expect(state.kind === 'failed' && state.errors.map((e) => e.name)).toEqual(['bad token']);
			expect(state.kind === 'failed' && state.errors[0].error).toMatch(/refused the access token/);
		}
		expect(app.pages.home.copies.failed).toBeGreaterThan(0);

		await remote.remove(remote.remotes.find((r) => r.name === 'bad token')!.id);
		await remote.idle();
		for (const record of app.vault.records) expect(remote.recordState(record)).toEqual({ kind: 'copied', to: ['local peer'] });
		expect(app.pages.home.copies).toMatchObject({ remotes: 1, notCopied: 0, failed: 0 });
		// header + 2 index batch blocks + 2 record files + the sealed list of remote copies
		expect(app.pages.home.copies.total).toBe(6);

		// A record added now carries the changed list (one remote) to the patient's other devices.
		const later = { title: 'Allergy note', body: 'penicillin: rash\n' };
		expect(await app.vault.add([{ title: later.title, category: 'notes', date: '2025-03-05', kind: 'file', files: [file(later.title, later.body)] }])).toBe(true);
		await remote.idle();
		expect(app.pages.home.copies).toMatchObject({ notCopied: 0, failed: 0 });

		// The token is never in clear on the device.
		expect(local.values().some((v) => contains(v, utf8(peer.pinning.token)))).toBe(false);

		// After a lock and unlock the remote copies come back from the sealed settings.
		app.lock();
		await app.vault.unlock();
		await app.pages.remote.load();
		expect(app.pages.remote.remotes.map((r) => r.name)).toEqual(['local peer']);
		await first.stop();

		// A new device: empty store, the original device gone, only the peer to fetch from.
		const fresh = await memoryNode({ peers: peer.multiaddrs });
		const restored = await device(4, fresh);
		const all: Record<string, string> = { ...bodies, [later.title]: later.body };
		expect(restored.vault.records.map((r) => r.title).sort()).toEqual(Object.keys(all).sort());
		for (const record of restored.vault.records) expect(await textOf(await restored.vault.open(record, record.attachments[0]))).toBe(all[record.title]);
		// The remote copies travelled with the vault, sealed: the new device copies to them at once.
		await restored.pages.remote.load();
		expect(restored.pages.remote.remotes.map((r) => r.name)).toEqual(['local peer']);
		await restored.pages.remote.idle();
		expect(restored.pages.home.copies).toMatchObject({ remotes: 1, notCopied: 0, failed: 0 });

		// Nothing answers (the peer is gone too): looking for the vault's key header ends, naming what it tried.
		const gateway = peer.gateway;
		const addrs = peer.multiaddrs;
		await peer.stop();
		const lost = await memoryNode({ peers: addrs, gateways: [gateway], blobStore: { timeoutMs: 3_000 } });
		const stranded = await device(4, lost, memoryLocal(), false);
		expect(stranded.vault.status).toBe('error');
		const text = stranded.vault.notice?.text ?? '';
		expect(text).toContain(`the IPFS peer ${addrs[0]}`);
		expect(text).toContain(new URL(gateway).host);
	});
});
