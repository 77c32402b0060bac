/**
 * Two devices of one patient writing at the same time, on real parts: one anvil
 * chain with the deployed contracts, two Helia memory nodes (each its own
 * blockstore and local store, reaching each other through a local IPFS peer),
 * the same wallet and so the same root secret through the same unlock.
 * Nothing either device saves may be lost, and a second create never replaces
 * a vault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, verifyMessage, type Hex } from 'viem';
import { startIpfsPeer } from '../../../scripts/ipfs-peer.mjs';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { createVaultChain } from '../chain/vaultChain';
import { publicKeysOf } from '../crypto/keys';
import { merkleRoot } from '../crypto/merkle';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import type { VaultRecord } from '../records/model';
import { encryptRecords, type FileInput, type NewRecord } from './addRecords';
import { commitRecords, manifestLeaf } from './commitRecords';
import { createVault } from './createVault';
import type { OpenVault, VaultDeps } from './deps';
import { IndexChangedElsewhereError, IndexKeptChangingError, VaultExistsError } from './errors';
import { readAttachment } from './openAttachment';
import type { VaultChain } from './ports';
import { unlockVault } from './unlockVault';

let t: TestChain;
let peer: Awaited<ReturnType<typeof startIpfsPeer>>;
const nodes: MemoryNode[] = [];

beforeAll(async () => {
	[t, peer] = await Promise.all([startTestChain(), startIpfsPeer({ port: 0 })]);
});
afterAll(async () => {
	for (const n of nodes) await n.stop();
	await peer?.stop();
	await t?.stop();
});

/** What the chain adapter was asked to commit, and what it answered: a pass-through record, not a stand-in. */
type CommitLog = Array<{ expected: number; outcome: 'ok' | string }>;

/** One device: its own IPFS node and local store; the wallet of dev account `index`. */
async function device(index: number, options: { lagging?: boolean } = {}) {
	const account = t.account(index);
	const node = await createMemoryNode({ peers: peer.multiaddrs, blobStore: { timeoutMs: 15_000 } });
	nodes.push(node);
	const real = createVaultChain({ publicClient: t.publicClient, walletClient: t.walletClient(index), account, addresses: t.config.contracts });
	const commits: CommitLog = [];
	const chain: VaultChain = {
		...real,
		// A lagging RPC node that has not seen the other device's create yet.
		readVaultPointer: options.lagging ? async () => null : real.readVaultPointer,
		async commitBatch(params) {
			try {
				const hash = await real.commitBatch(params);
				commits.push({ expected: params.expectedBatchCount, outcome: 'ok' });
				return hash;
			} catch (err) {
				commits.push({ expected: params.expectedBatchCount, outcome: (err as Error).name });
				throw err;
			}
		}
	};
	const deps: VaultDeps = {
		signer: { address: account.address, chainId: t.config.chainId, signMessage: (message) => account.signMessage({ message }) },
		chain,
		blobs: node.blobStore,
		local: memoryLocal(),
		domain: 'carevault.test',
		verifySignature: ({ address, message, signature }) => verifyMessage({ address, message, signature })
	};
	return { deps, commits, node };
}

const text = (name: string, body: string): FileInput => {
	const bytes = new TextEncoder().encode(body);
	return { name, type: 'text/plain', size: bytes.length, stream: async function* () { yield bytes; } };
};
const note = (title: string): NewRecord => ({
	title,
	category: 'notes',
	date: '2025-01-01',
	kind: 'file',
	files: [text(`${title}.txt`, `content of ${title}`)]
});

async function openAll(deps: VaultDeps, vault: OpenVault): Promise<Record<string, string>> {
	const out: Record<string, string> = {};
	for (const r of vault.index.records) {
		const parts = await readAttachment(deps, vault, r, r.attachments[0]);
		out[r.title] = new TextDecoder().decode(Uint8Array.from(parts.flatMap((p) => [...p])));
	}
	return out;
}

const anchorRoot = async (owner: Hex, batch: number) =>
	(await createVaultChain({ publicClient: t.publicClient, addresses: t.config.contracts }).readBatchAnchor(owner, batch))?.root;
const rootOf = async (records: VaultRecord[]) =>
	bytesToHex(await merkleRoot(await Promise.all(records.flatMap((r) => r.attachments.map((a) => manifestLeaf(a.manifest))))));

describe('two devices of one wallet', () => {
	it('both add records from the same index: the second commit is refused as stale, merges, retries, and every record of both opens', async () => {
		const a = await device(1);
		const b = await device(1);
		const { vault: created } = await createVault(a.deps);
		const first = await commitRecords(a.deps, created, await encryptRecords(a.deps, created, [note('shared start')]));

		// B unlocks on its own device: same wallet, same root secret, same starting index.
		const onA = await unlockVault(a.deps, { kind: 'wallet' });
		const onB = await unlockVault(b.deps, { kind: 'wallet' });
		expect(onA.index).toEqual(first.index);
		expect(onB.index).toEqual(first.index);

		// Both encrypt and store before either commits.
		const fromA = await encryptRecords(a.deps, onA, [note('A one'), note('A two')]);
		const fromB = await encryptRecords(b.deps, onB, [note('B one')]);
		const afterA = await commitRecords(a.deps, onA, fromA);
		const afterB = await commitRecords(b.deps, onB, fromB);

		expect(a.commits).toEqual([
			{ expected: 0, outcome: 'ok' },
			{ expected: 1, outcome: 'ok' }
		]);
		expect(b.commits).toEqual([
			{ expected: 1, outcome: 'IndexChangedElsewhereError' },
			{ expected: 2, outcome: 'ok' }
		]);
		expect(afterA.index.batches).toBe(2);
		expect(afterB.index.batches).toBe(3);
		// Newer index first, in its order, then ours; each keeps the batch that anchored it.
		expect(afterB.index.records.map((r) => [r.title, r.batch])).toEqual([
			['shared start', 0],
			['A one', 1],
			['A two', 1],
			['B one', 2]
		]);
		// Anchors stay per batch: B's retry anchors B's manifests only.
		const owner = t.account(1).address;
		expect(await anchorRoot(owner, 1)).toBe(await rootOf(fromA));
		expect(await anchorRoot(owner, 2)).toBe(await rootOf(fromB));

		// A, still holding its pre-merge view, adds again: merged the same way.
		const afterA2 = await commitRecords(a.deps, afterA, await encryptRecords(a.deps, afterA, [note('A three')]));
		expect(a.commits.slice(2)).toEqual([
			{ expected: 2, outcome: 'IndexChangedElsewhereError' },
			{ expected: 3, outcome: 'ok' }
		]);
		expect(afterA2.index.records.map((r) => r.title)).toEqual(['shared start', 'A one', 'A two', 'B one', 'A three']);

		// A third device sees everything, and every record opens with its sealed key.
		const c = await device(1);
		const final = await unlockVault(c.deps, { kind: 'wallet' });
		expect(final.index.batches).toBe(4);
		expect(await openAll(c.deps, final)).toEqual({
			'shared start': 'content of shared start',
			'A one': 'content of A one',
			'A two': 'content of A two',
			'B one': 'content of B one',
			'A three': 'content of A three'
		});
	});

	it('after the last attempt it stops with a clear error that loses nothing, and saving again finishes', async () => {
		const a = await device(2);
		const b = await device(2);
		const { vault: created } = await createVault(a.deps);
		const onB = await unlockVault(b.deps, { kind: 'wallet' });
		const fromB = await encryptRecords(b.deps, onB, [note('B kept')]);
		await commitRecords(a.deps, created, await encryptRecords(a.deps, created, [note('A first')]));

		const err = await commitRecords(b.deps, onB, fromB, { attempts: 1 }).then(
			() => new Error('expected a refusal'),
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(IndexKeptChangingError);
		expect((err as IndexKeptChangingError).cause).toBeInstanceOf(IndexChangedElsewhereError);
		expect((err as IndexKeptChangingError).shortMessage).toMatch(/encrypted and stored but not yet listed.*Save again/);
		expect((await unlockVault(a.deps, { kind: 'wallet' })).index.records.map((r) => r.title)).toEqual(['A first']);
		// The ciphertext is still there: "Save again" (the same call, the same records) completes it.
		expect((await b.deps.blobs.getBytes(fromB[0].attachments[0].manifest.cid)).length).toBeGreaterThan(0);
		const saved = await commitRecords(b.deps, onB, fromB);
		expect(saved.index.records.map((r) => r.title)).toEqual(['A first', 'B kept']);
		// Saving once more is a no-op: records the index already lists are not anchored twice.
		const commits = b.commits.length;
		expect((await commitRecords(b.deps, saved, fromB)).index).toEqual(saved.index);
		expect(b.commits.length).toBe(commits);
		expect(await openAll(b.deps, await unlockVault(b.deps, { kind: 'wallet' }))).toEqual({ 'A first': 'content of A first', 'B kept': 'content of B kept' });
	});

	it('a second create from a stale view is refused with VaultExistsError; the first vault, its keys and records are intact', async () => {
		const a = await device(3);
		const stale = await device(3, { lagging: true });
		const { vault } = await createVault(a.deps);
		await commitRecords(a.deps, vault, await encryptRecords(a.deps, vault, [note('kept')]));
		const pointer = await a.deps.chain.readVaultPointer(a.deps.signer.address);

		const err = await createVault(stale.deps).then(
			() => new Error('expected a refusal'),
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(VaultExistsError);
		expect((err as VaultExistsError).shortMessage).toMatch(/A vault already exists for this wallet .*Unlock it/);
		expect(await a.deps.chain.readVaultPointer(a.deps.signer.address)).toBe(pointer);
		expect(await a.deps.chain.readKeys(a.deps.signer.address)).toEqual(publicKeysOf(vault.keys));
		// Once its RPC catches up, that device unlocks the first vault.
		const caughtUp = await device(3);
		const reopened = await unlockVault(caughtUp.deps, { kind: 'wallet' });
		expect(publicKeysOf(reopened.keys)).toEqual(publicKeysOf(vault.keys));
		expect(await openAll(caughtUp.deps, reopened)).toEqual({ kept: 'content of kept' });
	});

	it('a create interrupted between the pointer and the keys is finished by the next unlock', async () => {
		const a = await device(4);
		const refusingKeys: VaultDeps = {
			...a.deps,
			chain: {
				...a.deps.chain,
				publishKeys: async () => {
					throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
				}
			}
		};
		await expect(createVault(refusingKeys)).rejects.toThrow();
		expect(await a.deps.chain.readKeys(a.deps.signer.address)).toBeNull();
		const opened = await unlockVault(a.deps, { kind: 'wallet' });
		expect(await a.deps.chain.readKeys(a.deps.signer.address)).toEqual(publicKeysOf(opened.keys));
	});
});
