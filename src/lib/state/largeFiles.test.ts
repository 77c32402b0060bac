/**
 * Large files through the page state, on real parts (libsodium, Helia over a
 * memory blockstore, anvil): a save streams to the sink chunk by chunk and a
 * cancelled one leaves no file; a cancelled add leaves the index, the chain
 * and the pending list as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, verifyMessage, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { startAnvil, ANVIL_PRIVATE_KEYS } from '../../../scripts/anvil.mjs';
import { deployContracts } from '../../../scripts/deploy.mjs';
import { createVaultChain } from '../chain/vaultChain';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import type { Ports } from '../vault/deps';
import { createGrantChain } from '../chain/grantChain';
import { createProviderChain } from '../chain/providerChain';
import type { ByteSink } from '../vault/backup/ports';
import { VaultState } from './vault.svelte';

let anvil: Awaited<ReturnType<typeof startAnvil>>;
let node: MemoryNode;
let deps: Ports;

beforeAll(async () => {
	anvil = await startAnvil();
	const addresses = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
	const account = privateKeyToAccount(ANVIL_PRIVATE_KEYS[5] as Hex);
	const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
	node = await createMemoryNode();
	const clients = {
		publicClient: createPublicClient({ chain, transport: http(anvil.rpcUrl) }),
		walletClient: createWalletClient({ chain, account, transport: http(anvil.rpcUrl) }),
		account,
		addresses,
		chainId: 31337
	};
	deps = {
		signer: { address: account.address, chainId: 31337, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain(clients),
		grants: createGrantChain(clients),
		providers: createProviderChain(clients),
		blobs: node.blobStore,
		local: memoryLocal(),
		domain: 'carevault.test',
		verifySignature: (p) => verifyMessage(p)
	};
});
afterAll(async () => {
	await node?.stop();
	await anvil?.stop();
});

const MiB = 1024 * 1024;
function pattern(size: number): Uint8Array {
	const out = new Uint8Array(size);
	for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
	return out;
}
/** A file whose stream can be watched: `read` counts bytes handed out. */
function fileOf(name: string, bytes: Uint8Array, seen?: { read: number; at?: number; then?: () => void }) {
	return {
		name,
		type: 'application/octet-stream',
		size: bytes.length,
		stream: async function* () {
			for (let i = 0; i < bytes.length; i += 256 * 1024) {
				if (seen) {
					seen.read = i;
					if (seen.at !== undefined && i >= seen.at) seen.then?.();
				}
				yield bytes.subarray(i, i + 256 * 1024);
			}
		}
	};
}
function recordingSink() {
	const writes: number[] = [];
	const chunks: Uint8Array[] = [];
	const state = { closed: false, aborted: false };
	const sink: ByteSink = {
		write: async (c) => { writes.push(c.length); chunks.push(c.slice()); },
		close: async () => void (state.closed = true),
		abort: async () => void (state.aborted = true)
	};
	return { sink, writes, state, bytes: () => { const o = new Uint8Array(writes.reduce((a, b) => a + b, 0)); let p = 0; for (const c of chunks) { o.set(c, p); p += c.length; } return o; } };
}

describe('large files in VaultState', () => {
	let vault: VaultState;
	const big = pattern(6 * MiB + 7);

	beforeAll(async () => {
		vault = new VaultState(async () => deps);
		await vault.check();
		await vault.create();
		expect(vault.status).toBe('unlocked');
		expect(await vault.add([{ title: 'MRI', category: 'imaging', date: '2024-01-01', kind: 'file', files: [fileOf('mri.bin', big)] }])).toBe(true);
	}, 120_000);

	it('saves an attachment to the sink in chunks no larger than a cipher chunk, byte-identical, with progress', async () => {
		const record = vault.records[0];
		const out = recordingSink();
		const progress: number[] = [];
		await vault.saveTo(record, record.attachments[0], out.sink, { onProgress: (done) => progress.push(done) });
		expect(out.state).toEqual({ closed: true, aborted: false });
		expect(out.bytes()).toEqual(big);
		expect(Math.max(...out.writes)).toBeLessThanOrEqual(MiB);
		expect(out.writes.length).toBeGreaterThanOrEqual(6);
		expect(progress.at(-1)).toBe(big.length);
	});

	it('a cancelled save aborts the file (nothing partial kept) and rejects with the reason', async () => {
		const record = vault.records[0];
		const out = recordingSink();
		const controller = new AbortController();
		const reason = new DOMException('stop', 'AbortError');
		const run = vault.saveTo(record, record.attachments[0], out.sink, {
			signal: controller.signal,
			onProgress: (done) => { if (done >= 2 * MiB) controller.abort(reason); }
		});
		await expect(run).rejects.toBe(reason);
		expect(out.state).toEqual({ closed: false, aborted: true });
		expect(out.bytes().length).toBeLessThan(big.length);
	});

	it('a cancelled add leaves nothing in the index, nothing pending and no new pointer on the chain', async () => {
		const pointerBefore = await deps.chain.readIndexPointer(deps.signer.address);
		const huge = pattern(32 * MiB);
		let couldCancel = false;
		// Cancel once 3 MiB were read: encryption and storing are under way.
		const seen = { read: 0, at: 3 * MiB, then: () => { couldCancel ||= vault.canCancelAdd; vault.cancelAdd(); } };
		const adding = vault.add([{ title: 'CT', category: 'imaging', date: '2024-01-02', kind: 'file', files: [fileOf('ct.bin', huge, seen)] }]);
		expect(await adding).toBe(false);
		expect(couldCancel).toBe(true);
		expect(vault.notice).toEqual({ kind: 'cancelled', text: 'Cancelled. Nothing was added to your vault.' });
		// It stopped early: the rest of the file was never read.
		expect(seen.read).toBeLessThan(huge.length / 2);
		expect(vault.records.map((r) => r.title)).toEqual(['MRI']);
		expect(vault.pending).toEqual([]);
		expect(await deps.chain.readIndexPointer(deps.signer.address)).toEqual(pointerBefore);
		// And the vault still takes the next add.
		expect(await vault.add([{ title: 'Note', category: 'notes', date: '2024-01-03', kind: 'file', files: [fileOf('n.txt', new TextEncoder().encode('ok'))] }])).toBe(true);
		expect(vault.records.map((r) => r.title).sort()).toEqual(['MRI', 'Note']);
	}, 120_000);
});
