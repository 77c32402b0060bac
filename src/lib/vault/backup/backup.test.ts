/**
 * Backup and restore end to end in node, on real parts: libsodium and Umbral,
 * Helia nodes over in-memory blockstores (offline: a restored device has
 * nothing but the CAR file), a real anvil with the deployed contracts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarIndexer } from '@ipld/car';
import { createPublicClient, createWalletClient, http, verifyMessage, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { startAnvil, ANVIL_PRIVATE_KEYS } from '../../../../scripts/anvil.mjs';
import { deployContracts } from '../../../../scripts/deploy.mjs';
import { createVaultChain } from '../../chain/vaultChain';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { createCarBackup } from '../../ipfs/carBackup';
import type { OpenVault, VaultDeps } from '../deps';
import { createVault } from '../createVault';
import { unlockVault } from '../unlockVault';
import { encryptRecords, type FileInput } from '../addRecords';
import { commitRecords } from '../commitRecords';
import { readAttachment } from '../openAttachment';
import { BlobNotFoundError } from '../../ipfs/errors';
import { exportBackup } from './exportBackup';
import { importBackup } from './importBackup';
import { BackupCorruptError, BackupForeignError, BackupOutdatedError, BackupTruncatedError, BackupUnreadableError } from './errors';
import type { ByteSink } from './ports';

const bytesInput = (name: string, bytes: Uint8Array): FileInput => ({
	name,
	type: 'application/octet-stream',
	size: bytes.length,
	stream: async function* () {
		for (let i = 0; i < bytes.length; i += 200_000) yield bytes.subarray(i, i + 200_000);
	}
});
const concat = (parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) out.set(p, (o += p.length) - p.length);
	return out;
};
/** A re-readable file over bytes, delivered in uneven pieces as a browser File stream does. */
const fileOf = (bytes: Uint8Array) => async function* () {
	for (let i = 0; i < bytes.length; i += 65_537) yield bytes.subarray(i, i + 65_537);
};
/** A sink that keeps what it is given (tests only: the app streams to disk). */
function memorySink() {
	const chunks: Uint8Array[] = [];
	const state = { closed: false, aborted: false };
	const sink: ByteSink = {
		write: async (c) => void chunks.push(c.slice()),
		close: async () => void (state.closed = true),
		abort: async () => void (state.aborted = true)
	};
	return { sink, state, bytes: () => concat(chunks) };
}
async function countBlocks(node: MemoryNode): Promise<number> {
	let n = 0;
	for await (const _ of node.blockstore.getAll()) n++;
	return n;
}

let anvil: Awaited<ReturnType<typeof startAnvil>>;
let addresses: Awaited<ReturnType<typeof deployContracts>>;
const nodes: MemoryNode[] = [];

beforeAll(async () => {
	anvil = await startAnvil();
	addresses = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
});
afterAll(async () => {
	for (const n of nodes) await n.stop();
	await anvil?.stop();
});

/** One device of the account with anvil key `key`: its own offline Helia node and local store. */
async function device(key: number) {
	const account = privateKeyToAccount(ANVIL_PRIVATE_KEYS[key] as Hex);
	const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
	const node = await createMemoryNode({ blobStore: { timeoutMs: 1_000 } });
	nodes.push(node);
	const deps: VaultDeps = {
		signer: { address: account.address, chainId: 31337, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({
			publicClient: createPublicClient({ chain, transport: http(anvil.rpcUrl) }),
			walletClient: createWalletClient({ chain, account, transport: http(anvil.rpcUrl) }),
			account,
			addresses: { keyRegistry: addresses.keyRegistry, vaultRegistry: addresses.vaultRegistry }
		}),
		blobs: node.blobStore,
		local: memoryLocal(),
		domain: 'carevault.test',
		verifySignature: (p) => verifyMessage(p)
	};
	return { deps, node, backupDeps: { ...deps, backup: createCarBackup(node.helia, { blockTimeoutMs: 1_000 }) } };
}

async function addRecords(deps: VaultDeps, vault: OpenVault, files: Array<[string, Uint8Array]>): Promise<OpenVault> {
	const records = await encryptRecords(
		deps,
		vault,
		files.map(([title, bytes]) => ({ title, category: 'imaging', date: '2024-01-02', kind: 'file', files: [bytesInput(`${title}.bin`, bytes)] }))
	);
	return commitRecords(deps, vault, records);
}

async function readAll(deps: VaultDeps, vault: OpenVault): Promise<Record<string, Uint8Array>> {
	const out: Record<string, Uint8Array> = {};
	for (const r of vault.index.records) out[r.title] = concat(await readAttachment(deps, vault, r, r.attachments[0]));
	return out;
}

const big = (() => {
	const b = new Uint8Array(3 * 1024 * 1024 + 11);
	for (let i = 0; i < b.length; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(b.length, i + 65536)));
	return b;
})();
const small = new TextEncoder().encode('Allergy: penicillin (rash), 2019.');

describe('CAR backup and restore', () => {
	let a: Awaited<ReturnType<typeof device>>;
	let vault: OpenVault;
	let recoveryCode: string;
	let car: Uint8Array;

	beforeAll(async () => {
		a = await device(1);
		const created = await createVault(a.deps);
		recoveryCode = created.recoveryCode;
		vault = await addRecords(a.deps, created.vault, [['CT scan', big], ['Allergy note', small]]);
		const out = memorySink();
		const progress: number[] = [];
		const result = await exportBackup(a.backupDeps, vault, out.sink, { onProgress: (p) => progress.push(p.bytes) });
		expect(out.state).toEqual({ closed: true, aborted: false });
		// header, index, two attachments (the 3 MiB one is a DAG of several blocks), plus the description.
		expect(result.roots).toBe(4);
		expect(result.blocks).toBeGreaterThan(6);
		expect(progress.at(-1)).toBe(result.bytes);
		car = out.bytes();
	}, 120_000);

	it('restores on a fresh device with no network: unlock by recovery code and by wallet, every record byte-identical', async () => {
		const b = await device(1);
		// Without the backup this device cannot even find the vault header.
		await expect(unlockVault(b.deps, { kind: 'recovery', code: recoveryCode })).rejects.toBeInstanceOf(BlobNotFoundError);

		const phases = new Set<string>();
		await importBackup(b.backupDeps, fileOf(car), { size: car.length, onProgress: (phase) => phases.add(phase) });
		expect([...phases]).toEqual(['checking', 'storing']);

		const byCode = await unlockVault(b.deps, { kind: 'recovery', code: recoveryCode });
		expect(await readAll(b.deps, byCode)).toEqual({ 'CT scan': big, 'Allergy note': small });
		const byWallet = await unlockVault(b.deps, { kind: 'wallet' });
		expect(byWallet.index.records.map((r) => r.title).sort()).toEqual(['Allergy note', 'CT scan']);
	}, 120_000);

	it('refuses a corrupted CAR (one flipped byte in a record block) and stores nothing', async () => {
		const b = await device(1);
		const bad = car.slice();
		bad[Math.floor(bad.length / 2)] ^= 0x40;
		await expect(importBackup(b.backupDeps, fileOf(bad))).rejects.toBeInstanceOf(BackupCorruptError);
		expect(await countBlocks(b.node)).toBe(0);
	});

	it('refuses a truncated CAR, cut inside a block or exactly between blocks, and stores nothing', async () => {
		const b = await device(1);
		const offsets: number[] = [];
		const indexer = await CarIndexer.fromBytes(car);
		for await (const entry of indexer) offsets.push(entry.offset);
		// Between blocks: the file is a valid CAR, but DAGs miss blocks (the last block dropped, and half of them).
		for (const cut of [offsets.at(-1)!, offsets[Math.floor(offsets.length / 2)]]) {
			await expect(importBackup(b.backupDeps, fileOf(car.subarray(0, cut)))).rejects.toBeInstanceOf(BackupTruncatedError);
		}
		for (const cut of [car.length - 1, Math.floor(car.length / 3), offsets[0] + 10]) {
			await expect(importBackup(b.backupDeps, fileOf(car.subarray(0, cut)))).rejects.toBeInstanceOf(BackupTruncatedError);
		}
		expect(await countBlocks(b.node)).toBe(0);
	});

	it('refuses a file that is not a CAR', async () => {
		const b = await device(1);
		await expect(importBackup(b.backupDeps, fileOf(small))).rejects.toBeInstanceOf(BackupUnreadableError);
		expect(await countBlocks(b.node)).toBe(0);
	});

	it("refuses another account's backup and leaves that account's own vault untouched", async () => {
		const other = await device(2);
		const { vault: own } = await createVault(other.deps);
		const ownVault = await addRecords(other.deps, own, [['Own note', small]]);
		const before = await countBlocks(other.node);
		await expect(importBackup(other.backupDeps, fileOf(car))).rejects.toBeInstanceOf(BackupForeignError);
		expect(await countBlocks(other.node)).toBe(before);
		const reopened = await unlockVault(other.deps, { kind: 'wallet' });
		expect(await readAll(other.deps, reopened)).toEqual(await readAll(other.deps, ownVault));
	}, 120_000);

	it('refuses a backup older than the index the chain names, and a corrupted one on the device that holds the vault', async () => {
		const before = await countBlocks(a.node);
		const bad = car.slice();
		bad[bad.length - 5] ^= 0x01;
		await expect(importBackup(a.backupDeps, fileOf(bad))).rejects.toBeInstanceOf(BackupCorruptError);
		expect(await countBlocks(a.node)).toBe(before);

		vault = await addRecords(a.deps, vault, [['Later note', small]]);
		const b = await device(1);
		await expect(importBackup(b.backupDeps, fileOf(car))).rejects.toBeInstanceOf(BackupOutdatedError);
		expect(await countBlocks(b.node)).toBe(0);
		const stillOpen = await unlockVault(a.deps, { kind: 'wallet' });
		expect(stillOpen.index.records).toHaveLength(3);
	}, 120_000);

	it('a cancelled export aborts the file and rejects with the reason', async () => {
		const out = memorySink();
		const controller = new AbortController();
		const reason = new DOMException('cancelled by the test', 'AbortError');
		const run = exportBackup(a.backupDeps, vault, out.sink, {
			signal: controller.signal,
			onProgress: (p) => { if (p.blocks === 3) controller.abort(reason); }
		});
		await expect(run).rejects.toBe(reason);
		expect(out.state).toEqual({ closed: false, aborted: true });
	});
});
