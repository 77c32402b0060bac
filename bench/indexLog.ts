/**
 * Node-side benchmark of the record index log (`node bench/run.mjs index`):
 * real libsodium and Umbral, a Helia node over an in-memory blockstore, anvil
 * with the deployed contracts and the viem adapter. Not the browser: the
 * IndexedDB blockstore and local store are slower per read than memory.
 */
import '../tests/setup/polyfills';
import { createPublicClient, createWalletClient, http, verifyMessage } from 'viem';
import { startTestChain } from '../tests/setup/anvil';
import { memoryLocal } from '../tests/setup/memoryLocal';
import { createVaultChain } from '../src/lib/chain/vaultChain';
import { createMemoryNode } from '../src/lib/ipfs/memoryNode';
import { sortNewestFirst, type VaultRecord } from '../src/lib/records/model';
import { encryptRecords, type NewRecord } from '../src/lib/vault/addRecords';
import { commitRecords } from '../src/lib/vault/commitRecords';
import { createVault } from '../src/lib/vault/createVault';
import type { OpenVault, VaultDeps } from '../src/lib/vault/deps';
import { unlockVault } from '../src/lib/vault/unlockVault';
import { appendBatch, loadIndex } from '../src/lib/vault/vaultIndex';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** An index entry as the vault writes one for a small file (real sizes; the ciphertext itself is not needed here). */
function entry(i: number, template: VaultRecord): VaultRecord {
	const id = i.toString(16).padStart(32, '0');
	return {
		...template,
		id,
		title: `Lab result ${i}`,
		date: `20${String(10 + (i % 15)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
		attachments: template.attachments.map((a) => ({ ...a, id: `a${id.slice(1)}`, name: `result-${i}.pdf`, manifest: { ...a.manifest, id: `a${id.slice(1)}` } }))
	};
}

const note = (title: string): NewRecord => {
	const bytes = new TextEncoder().encode(`${title}: ${'x'.repeat(1000)}`);
	return { title, category: 'labs', date: '2025-01-01', kind: 'file', files: [{ name: `${title}.txt`, type: 'text/plain', size: bytes.length, stream: async function* () { yield bytes; } }] };
};

export async function benchIndexLog(options: { log?: (line: string) => void } = {}): Promise<Record<string, number>> {
	const log = options.log ?? console.log;
	const t = await startTestChain();
	const nodes: Array<{ stop(): Promise<void> }> = [];
	const results: Record<string, number> = {};
	try {
		async function device(index: number, blobs?: VaultDeps['blobs']) {
			const account = t.account(index);
			const node = await createMemoryNode();
			nodes.push(node);
			let uploaded = 0;
			const store = blobs ?? node.blobStore;
			// Receipts polled every 10 ms (viem's default waits seconds between polls on a loaded machine).
			const transport = http(t.rpcUrl, { retryCount: 0 });
			const publicClient = createPublicClient({ chain: t.chain, transport, pollingInterval: 10 });
			const walletClient = createWalletClient({ chain: t.chain, transport, account, pollingInterval: 10 });
			const deps: VaultDeps = {
				signer: { address: account.address, chainId: t.config.chainId, signMessage: (message) => account.signMessage({ message }) },
				chain: createVaultChain({ publicClient, walletClient, account, addresses: t.config.contracts }),
				// Counts what the index writes (record ciphertext goes through addStream).
				blobs: { ...store, addBytes: async (bytes, o) => ((uploaded += bytes.length), store.addBytes(bytes, o)) },
				local: memoryLocal(),
				domain: 'carevault.bench',
				verifySignature: ({ address, message, signature }) => verifyMessage({ address, message, signature })
			};
			return { deps, node, uploaded: () => uploaded, reset: () => void (uploaded = 0) };
		}

		/** A vault of `records` records committed `perBatch` at a time, then 16 single-record adds timed (16: one of them folds a level of the log). */
		async function vaultOf(index: number, records: number, perBatch: number) {
			const d = await device(index);
			let vault: OpenVault = (await createVault(d.deps)).vault;
			const [template] = await encryptRecords(d.deps, vault, [note('template')]);
			const t0 = performance.now();
			for (let i = 0; i < records; i += perBatch) {
				if (i > 0 && i % (records / 10) === 0) log(`bench: index: ${i} of ${records} records committed`);
				vault = await commitRecords(d.deps, vault, Array.from({ length: Math.min(perBatch, records - i) }, (_, j) => entry(i + j, template)));
			}
			log(`bench: index: ${records} records in ${vault.index.batches} batches built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
			const times: number[] = [];
			const bytes: number[] = [];
			for (let k = 0; k < 16; k++) {
				const s = performance.now();
				const added = await encryptRecords(d.deps, vault, [note(`added ${k}`)]);
				d.reset();
				vault = await commitRecords(d.deps, vault, added);
				times.push(performance.now() - s);
				bytes.push(d.uploaded());
			}
			return { d, vault, ms: median(times), bytes: median(bytes), maxBytes: Math.max(...bytes) };
		}

		const small = await vaultOf(1, 100, 10);
		const large = await vaultOf(2, 10_000, 10);
		results.add_record_ms_100 = round(small.ms);
		results.add_record_ms_10k = round(large.ms);
		results.add_record_ratio_10k_100 = round(large.ms / small.ms, 2);
		results.index_bytes_uploaded_per_add_100 = small.bytes;
		results.index_bytes_uploaded_per_add_10k = large.bytes;
		results.index_bytes_uploaded_per_add_10k_max = large.maxBytes;

		// Another device with an empty local store, blocks from the (memory) IPFS node: unlock to the sorted list.
		const unlocks: number[] = [];
		for (let k = 0; k < 3; k++) {
			const other = await device(2, large.d.node.blobStore);
			const s = performance.now();
			const opened = await unlockVault(other.deps, { kind: 'wallet' });
			const list = sortNewestFirst(opened.index.records);
			unlocks.push(performance.now() - s);
			if (list.length !== 10_016) throw new Error(`expected 10,016 records, listed ${list.length}`);
		}
		results.unlock_to_list_ms_10k = Math.round(median(unlocks));

		// The worst shape for reading: 10,000 batches of one record each (no chain; the pointer is handed over directly).
		const w = await device(3);
		const { vault: created } = await createVault(w.deps);
		const [template] = await encryptRecords(w.deps, created, [note('template')]);
		let index = created.index;
		let pointer = new Uint8Array();
		const b0 = performance.now();
		for (let i = 0; i < 10_000; i++) ({ index, encryptedPointer: pointer } = await appendBatch(w.deps, created.keys, index, [entry(i, template)]));
		log(`bench: index: 10,000 batches of 1 stored in ${((performance.now() - b0) / 1000).toFixed(1)} s`);
		const fresh = await device(3, w.node.blobStore);
		let reads = 0;
		const counted = { ...fresh.deps, blobs: { ...fresh.deps.blobs, getBytes: (cid: string, o?: { signal?: AbortSignal }) => (reads++, fresh.deps.blobs.getBytes(cid, o)) } };
		const s = performance.now();
		const loaded = await loadIndex({ ...counted, chain: { ...fresh.deps.chain, readIndexPointer: async () => pointer } }, created.keys);
		sortNewestFirst(loaded.records);
		results.unlock_to_list_ms_10k_batches_of_1 = Math.round(performance.now() - s);
		results.unlock_blocks_read_10k_batches_of_1 = reads;
		if (loaded.records.length !== 10_000) throw new Error(`expected 10,000 records, loaded ${loaded.records.length}`);
		log(`bench: index: add ${results.add_record_ms_100} ms at 100 records, ${results.add_record_ms_10k} ms at 10k; ${results.index_bytes_uploaded_per_add_10k} index bytes per add; unlock ${results.unlock_to_list_ms_10k} ms (10k in 1,000 batches), ${results.unlock_to_list_ms_10k_batches_of_1} ms (10,000 batches)`);
		return results;
	} finally {
		for (const n of nodes) await n.stop();
		await t.stop();
	}
}
