/**
 * The record index as an append-only log, on real parts: libsodium, a Helia
 * node over an in-memory blockstore, anvil with the deployed contracts and
 * the viem adapter. An add must cost its own batch, not the vault, and every
 * record must stay provable against the root the chain recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMessage } from 'viem';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { createVaultChain } from '../chain/vaultChain';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import { IndexCorruptError } from '../records/errors';
import { encryptRecords, type FileInput, type NewRecord } from './addRecords';
import { commitRecords } from './commitRecords';
import { createVault } from './createVault';
import type { OpenVault, VaultDeps } from './deps';
import { readAttachment } from './openAttachment';
import { unlockVault } from './unlockVault';
import { verifyRecordAnchor } from './verifyRecord';
import { INDEX_LOG_FANOUT, indexBlockCids } from './vaultIndex';

let t: TestChain;
const nodes: MemoryNode[] = [];
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	for (const n of nodes) await n.stop();
	await t?.stop();
});

async function device(index: number) {
	const account = t.account(index);
	const node = await createMemoryNode();
	nodes.push(node);
	const deps: VaultDeps = {
		signer: { address: account.address, chainId: t.config.chainId, signMessage: (message) => account.signMessage({ message }) },
		chain: createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account, addresses: t.config.contracts }),
		blobs: node.blobStore,
		local: memoryLocal(),
		domain: 'carevault.test',
		verifySignature: ({ address, message, signature }) => verifyMessage({ address, message, signature })
	};
	return { deps, node };
}

const text = (name: string, body: string): FileInput => {
	const bytes = new TextEncoder().encode(body);
	return { name, type: 'text/plain', size: bytes.length, stream: async function* () { yield bytes; } };
};
const note = (title: string): NewRecord => ({ title, category: 'notes', date: '2025-01-01', kind: 'file', files: [text(`${title}.txt`, `content of ${title}`)] });

/** Every block in the store, by multihash, with its size. */
async function blocks(node: MemoryNode): Promise<Map<string, number>> {
	const out = new Map<string, number>();
	for await (const { cid, bytes } of node.blockstore.getAll()) {
		let n = 0;
		for await (const part of bytes) n += part.length;
		out.set(cid.toString(), n);
	}
	return out;
}

/** Adds one record; returns the vault and the bytes that the commit (not the record's ciphertext) put into the blockstore. */
async function addOne(d: Awaited<ReturnType<typeof device>>, vault: OpenVault, title: string) {
	const records = await encryptRecords(d.deps, vault, [note(title)]);
	const before = await blocks(d.node);
	const next = await commitRecords(d.deps, vault, records);
	const after = await blocks(d.node);
	const added = [...after].filter(([k]) => !before.has(k));
	return { vault: next, blocksAdded: added.length, bytesAdded: added.reduce((n, [, size]) => n + size, 0) };
}

describe('the index log', () => {
	let d: Awaited<ReturnType<typeof device>>;
	let vault: OpenVault;
	const perAdd: Array<{ blocksAdded: number; bytesAdded: number }> = [];
	const BATCHES = 2 * INDEX_LOG_FANOUT + 3;

	beforeAll(async () => {
		d = await device(1);
		vault = (await createVault(d.deps)).vault;
		for (let i = 0; i < BATCHES; i++) {
			const step = await addOne(d, vault, `note ${i}`);
			vault = step.vault;
			perAdd.push(step);
		}
	}, 300_000);

	it('an add puts only its own batch block into the blockstore (and a node when a level fills): nothing stored before is written again', async () => {
		expect(vault.index.batches).toBe(BATCHES);
		perAdd.forEach((step, i) => {
			// Adding batch i folds a full level into a node when i is a multiple of the fanout.
			const nodeMade = i > 0 && i % INDEX_LOG_FANOUT === 0;
			expect(step.blocksAdded, `add ${i}`).toBe(nodeMade ? 2 : 1);
		});
		// Even the add that folds a level into a node (which carries its small batches again) stays under 64 KiB.
		for (const step of perAdd) expect(step.bytesAdded).toBeLessThan(64 * 1024);
		const first = perAdd[1].bytesAdded;
		const last = perAdd[BATCHES - 1].bytesAdded;
		// The last add's batch block is about the first's: it grows by a few subtree CIDs, never by the records before it.
		expect(last).toBeLessThan(first + 1024);
		expect(last).toBeLessThan(4096);
		// What the whole index weighs by now, which the previous design re-sealed and re-uploaded on every add.
		const indexBytes = perAdd.reduce((n, s) => n + s.bytesAdded, 0);
		expect(indexBytes).toBeGreaterThan(10 * last);
		// Those blocks are exactly the index's: what a backup or a remote copy must hold.
		const cids = await indexBlockCids(d.deps, vault.keys, vault.index.log!);
		const nodesMade = perAdd.filter((s) => s.blocksAdded === 2).length;
		expect(cids).toHaveLength(BATCHES + nodesMade);
		expect(new Set(cids).size).toBe(cids.length);
		const stored = await blocks(d.node);
		expect(cids.reduce((n, cid) => n + (stored.get(cid) ?? Number.NaN), 0)).toBe(indexBytes);
	});

	it('another device unlocks the same index from the log, in batch order, and every record opens', async () => {
		const other = await device(1);
		// The other device has nothing local: its node fetches from the first one's blockstore.
		let reads = 0;
		other.deps.blobs = { ...d.node.blobStore, getBytes: (cid, o) => (reads++, d.node.blobStore.getBytes(cid, o)) };
		const opened = await unlockVault(other.deps, { kind: 'wallet' });
		expect(opened.index).toEqual(vault.index);
		// The header, the head, and per 16 single-record batches one node that carries them: not one block per batch.
		expect(reads).toBeLessThanOrEqual(2 + Math.floor(BATCHES / INDEX_LOG_FANOUT) + (BATCHES % INDEX_LOG_FANOUT));
		expect(opened.index.records.map((r) => [r.title, r.batch])).toEqual(Array.from({ length: BATCHES }, (_, i) => [`note ${i}`, i]));
		const last = opened.index.records[BATCHES - 1];
		const parts = await readAttachment(other.deps, opened, last, last.attachments[0]);
		expect(new TextDecoder().decode(Uint8Array.from(parts.flatMap((p) => [...p])))).toBe(`content of note ${BATCHES - 1}`);
	});

	it('proves each record against the root the chain recorded for its batch; an altered index entry does not verify', async () => {
		// The first batch (under a node of the log), one in the middle, the head.
		for (const i of [0, INDEX_LOG_FANOUT + 1, BATCHES - 1]) {
			const record = vault.index.records[i];
			const check = await verifyRecordAnchor(d.deps, vault, record);
			expect(check.verified, `record ${i}`).toBe(true);
			expect(check.batch).toBe(i);
			expect(check.root).toBe((await d.deps.chain.readBatchAnchor(d.deps.signer.address, i))?.root);
			expect(check.proofs).toHaveLength(1);
			// "anchored in batch N at block B": the block whose BatchCommitted event holds the root.
			const events = await d.deps.chain.readBatchAnchor(d.deps.signer.address, i);
			expect(check.block).toBe(events?.block);
			expect(typeof check.block).toBe('bigint');
			expect(check.problem).toBeNull();
		}
		const record = vault.index.records[3];
		const altered = (patch: Partial<(typeof record.attachments)[0]['manifest']>) => ({
			...record,
			attachments: [{ ...record.attachments[0], manifest: { ...record.attachments[0].manifest, ...patch } }]
		});
		// Another ciphertext, another sealed key, another size: each is caught by the on-chain root.
		expect((await verifyRecordAnchor(d.deps, vault, altered({ cid: vault.index.records[4].attachments[0].manifest.cid }))).verified).toBe(false);
		expect((await verifyRecordAnchor(d.deps, vault, altered({ sealedKey: vault.index.records[4].attachments[0].manifest.sealedKey }))).verified).toBe(false);
		expect((await verifyRecordAnchor(d.deps, vault, altered({ size: record.attachments[0].manifest.size + 1 }))).verified).toBe(false);
		expect((await verifyRecordAnchor(d.deps, vault, altered({ size: record.attachments[0].manifest.size + 1 }))).problem).toBe('mismatch');
		expect((await verifyRecordAnchor(d.deps, vault, { ...record, batch: 10_000 })).problem).toBe('no-anchor');
		expect((await verifyRecordAnchor(d.deps, vault, { ...record, batch: undefined })).problem).toBe('not-anchored');
		// An entry claiming another batch than the one that anchored it.
		expect((await verifyRecordAnchor(d.deps, vault, { ...record, batch: 4 })).verified).toBe(false);
		// A record the chain never anchored.
		const stray = (await encryptRecords(d.deps, vault, [note('never committed')]))[0];
		expect((await verifyRecordAnchor(d.deps, vault, { ...stray, batch: 3 })).verified).toBe(false);
		expect((await verifyRecordAnchor(d.deps, vault, stray)).verified).toBe(false);
	});

	it('a batch block altered in storage is refused as a damaged index, not read', async () => {
		const other = await device(1);
		const copy = await createMemoryNode();
		nodes.push(copy);
		for await (const { cid, bytes } of d.node.blockstore.getAll()) await copy.blockstore.put(cid, bytes);
		other.deps.blobs = copy.blobStore;
		const head = vault.index.log!.head;
		await copy.tamper(head);
		await expect(unlockVault(other.deps, { kind: 'wallet' })).rejects.toBeInstanceOf(IndexCorruptError);
	});
});

describe('the remote copies pointer in the index log', () => {
	it('every batch carries the latest VaultIndex.remotes; another device reads it back; a batch that names none keeps the earlier one', async () => {
		const d = await device(6);
		let vault: OpenVault = (await createVault(d.deps)).vault;
		const add = async (title: string) => {
			const prepared = await encryptRecords(d.deps, vault, [note(title)]);
			vault = await commitRecords(d.deps, vault, prepared);
		};
		vault = { ...vault, index: { ...vault.index, remotes: 'bafkreifirstlist' } };
		await add('one');
		vault = { ...vault, index: { ...vault.index, remotes: 'bafkreisecondlist' } };
		await add('two');
		const other = await device(6);
		other.deps.blobs = d.node.blobStore;
		expect((await unlockVault(other.deps, { kind: 'wallet' })).index.remotes).toBe('bafkreisecondlist');
		// A batch written without one (an older version of the app) leaves the earlier list in force.
		const { remotes: _, ...without } = vault.index;
		vault = { ...vault, index: without };
		await add('three');
		expect((await unlockVault(other.deps, { kind: 'wallet' })).index.remotes).toBe('bafkreisecondlist');
	});
});
