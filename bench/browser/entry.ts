/**
 * Browser benchmark page: the real record cipher and the real IndexedDB-backed
 * Helia blob store, measured in Chromium. Exposed on window for bench/run.mjs.
 */
import { decryptStream, encryptStream, generateDataKey, manifestHeaderHash, CHUNK_SIZE } from '../../src/lib/crypto/recordCipher';
import { WorkerBlockstore } from '../../src/lib/ipfs/segments/workerBlockstore';
import { CID } from 'multiformats/cid';
import * as rawCodec from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { getSodium } from '../../src/lib/crypto/sodium';
import { startBrowserNode } from '../../src/lib/ipfs/node';
import { deriveVaultKeys } from '../../src/lib/crypto/keys';
import { sealDataKey } from '../../src/lib/crypto/pre';
import { toBase64 } from '../../src/lib/crypto/encoding';
import { emptyIndex, type VaultRecord } from '../../src/lib/records/model';
import { buildBundle, storeBundle, sealGrantPointer } from '../../src/lib/vault/sharing/bundle';
import { browserEncryptor } from '../../src/lib/workers/encryptor';
import type { FileInput } from '../../src/lib/vault/addRecords';
import { decryptAttachment } from '../../src/lib/vault/decryptAttachment';
import { storeEncrypted } from '../../src/lib/vault/encryptFile';
import { createCarBackup } from '../../src/lib/ipfs/carBackup';
import type { ByteSink } from '../../src/lib/vault/backup/ports';

/** A file in the origin's private file system, written as the app's save path writes it without a picker (saveFile.ts). */
async function opfsSink(name: string): Promise<{ sink: ByteSink; file: () => Promise<File>; remove: () => Promise<void> }> {
	const root = await navigator.storage.getDirectory();
	return {
		sink: await (async () => {
			const w = await (await root.getFileHandle(name, { create: true })).createWritable();
			return { write: (c: Uint8Array) => w.write(c as Uint8Array<ArrayBuffer>), close: () => w.close(), abort: () => w.abort() };
		})(),
		file: async () => (await root.getFileHandle(name)).getFile(),
		remove: () => root.removeEntry(name)
	};
}

const MiB = 1024 * 1024;

/** Yields `total` bytes in 1 MiB pieces from one reused random buffer (generation is not what we measure). */
async function* source(total: number, onPiece?: () => void): AsyncGenerator<Uint8Array> {
	const piece = crypto.getRandomValues(new Uint8Array(65536));
	const buf = new Uint8Array(MiB);
	for (let i = 0; i < MiB; i += piece.length) buf.set(piece, i);
	const view = new DataView(buf.buffer);
	for (let sent = 0; sent < total; sent += MiB) {
		onPiece?.();
		// Every MiB differs, so stored blocks never deduplicate.
		view.setFloat64(0, sent + Math.random());
		yield sent + MiB <= total ? buf : buf.subarray(0, total - sent);
	}
}

/** A file of `total` bytes as the app gets one from a file picker (made first, not timed). */
async function fileOf(total: number): Promise<FileInput> {
	const parts: Uint8Array<ArrayBuffer>[] = [];
	for await (const piece of source(total)) parts.push(piece.slice());
	const blob = new Blob(parts);
	return { name: 'bench.bin', type: 'application/octet-stream', size: blob.size, blob, stream: () => blob.stream() as unknown as AsyncIterable<Uint8Array> };
}

async function drain(it: AsyncIterable<Uint8Array>): Promise<number> {
	let n = 0;
	for await (const c of it) n += c.length;
	return n;
}

async function ad() {
	return manifestHeaderHash({ v: 1, alg: 'secretstream-xchacha20poly1305', chunk: CHUNK_SIZE, id: 'bench' });
}

// Plain JS run from a Blob URL, so the bench build needs no worker bundling.
const OPFS_WORKER = `
onmessage = async (e) => {
	try {
		const { totalMiB, name } = e.data;
		const MiB = 1024 * 1024;
		const root = await navigator.storage.getDirectory();
		const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
		const block = new Uint8Array(MiB);
		crypto.getRandomValues(block.subarray(0, 65536));
		const t0 = performance.now();
		for (let i = 0; i < totalMiB; i++) {
			new DataView(block.buffer).setFloat64(0, i + Math.random());
			handle.write(block, { at: i * MiB });
		}
		handle.flush();
		const mibS = totalMiB / ((performance.now() - t0) / 1000);
		handle.close();
		await root.removeEntry(name);
		postMessage({ mibS });
	} catch (err) {
		postMessage({ error: String(err) });
	}
};
`;

let nodePromise: ReturnType<typeof startBrowserNode> | null = null;
// The app's default: the OPFS segment store where the browser has it (Chromium does), IndexedDB otherwise.
const node = () => (nodePromise ??= startBrowserNode({ peers: [], dbName: `carevault-bench-${Date.now()}` }));
let idbNodePromise: ReturnType<typeof startBrowserNode> | null = null;
const idbNode = () => (idbNodePromise ??= startBrowserNode({ peers: [], dbName: `carevault-bench-idb-${Date.now()}`, blockstore: 'indexeddb' }));

/** The last file added by encryptStore, kept for openFile. */
let lastAdded: { cid: string; key: Uint8Array; totalMiB: number } | null = null;

const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;

const bench = {
	/** Raw secretstream throughput (MiB/s): encrypt only, output discarded. */
	async raw(totalMiB: number): Promise<number> {
		await getSodium();
		const key = await generateDataKey();
		const t0 = performance.now();
		await drain(encryptStream(source(totalMiB * MiB), { key, ad: await ad() }));
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/**
	 * Streaming encrypt + store into the app's Helia node (MiB/s), the way
	 * the app adds a picked file (encryptFile's storeEncrypted): in the segment
	 * store's workers where it runs, else the app's encryptor into addStream.
	 */
	async encryptStore(totalMiB: number): Promise<number> {
		const { blobStore } = await node();
		const key = await generateDataKey();
		const file = await fileOf(totalMiB * MiB);
		const t0 = performance.now();
		const cid = await storeEncrypted({ blobs: blobStore, encrypt: browserEncryptor }, file, { key, ad: await ad() });
		const mibS = totalMiB / ((performance.now() - t0) / 1000);
		lastAdded = { cid, key, totalMiB };
		return mibS;
	},
	/** The same into an IndexedDB-only node (the fallback store). */
	async encryptStoreIdb(totalMiB: number): Promise<number> {
		const { blobStore } = await idbNode();
		const key = await generateDataKey();
		const file = await fileOf(totalMiB * MiB);
		const t0 = performance.now();
		await storeEncrypted({ blobs: blobStore, encrypt: browserEncryptor }, file, { key, ad: await ad() });
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/** Which block store the app's node uses here. */
	async storeKind(): Promise<string> {
		return (await node()).localStore.kind;
	},
	/** Read + decrypt of the file the last encryptStore added (MiB/s), as the app opens a record. */
	async openFile(): Promise<number> {
		if (!lastAdded) throw new Error('run encryptStore first');
		const { blobStore } = await node();
		const { cid, key, totalMiB } = lastAdded;
		const t0 = performance.now();
		const n = await drain(decryptStream(blobStore.cat(cid), { key, ad: await ad() }));
		if (n !== totalMiB * MiB) throw new Error(`opened ${n} bytes, expected ${totalMiB * MiB}`);
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/** Raw secretstream decryption of `totalMiB` (MiB/s): the ciphertext is made first, in memory, not timed. */
	async rawDecrypt(totalMiB: number): Promise<number> {
		await getSodium();
		const key = await generateDataKey();
		const chunks: Uint8Array[] = [];
		for await (const c of encryptStream(source(totalMiB * MiB), { key, ad: await ad() })) chunks.push(c.slice());
		const t0 = performance.now();
		await drain(decryptStream(chunks, { key, ad: await ad() }));
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/**
	 * The segment store alone (MiB/s): 1 MiB blocks put through the page's
	 * WorkerBlockstore (copied to the worker, appended, flushed, indexed), 8 in
	 * flight as the importer keeps them, each block's SHA-256 taken on the page
	 * as Helia does before a put. No encryption, no UnixFS.
	 */
	async segmentStoreWrite(totalMiB: number): Promise<number> {
		const store = new WorkerBlockstore(`carevault-bench-seg-${Date.now()}`);
		await store.open();
		try {
			const blocks: { cid: CID; bytes: Uint8Array }[] = [];
			for await (const piece of source(totalMiB * MiB)) {
				const bytes = piece.slice();
				blocks.push({ cid: CID.createV1(rawCodec.code, await sha256.digest(bytes)), bytes });
				if (blocks.length >= 64) break;
			}
			const t0 = performance.now();
			const inflight: Promise<unknown>[] = [];
			for (let i = 0; i < totalMiB; i++) {
				// 64 buffers reused round-robin: change each before reuse so no put deduplicates.
				const b = blocks[i % blocks.length];
				if (i >= blocks.length) {
					new DataView(b.bytes.buffer).setFloat64(8, i);
					b.cid = CID.createV1(rawCodec.code, await sha256.digest(b.bytes));
				}
				inflight.push(store.put(b.cid, b.bytes));
				if (inflight.length >= 8) await inflight.shift();
			}
			await Promise.all(inflight);
			return totalMiB / ((performance.now() - t0) / 1000);
		} finally {
			await store.close();
		}
	},
	/** The same, with the cipher on the page's thread (as before the worker). */
	async encryptStoreMainThread(totalMiB: number): Promise<number> {
		const { blobStore } = await node();
		const key = await generateDataKey();
		const file = await fileOf(totalMiB * MiB);
		const t0 = performance.now();
		await blobStore.addStream(encryptStream(file.stream(), { key, ad: await ad() }));
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/** Storage alone (MiB/s): the same stream stored without encryption, to see where time goes. */
	async storeOnly(totalMiB: number): Promise<number> {
		const { blobStore } = await node();
		const t0 = performance.now();
		await blobStore.addStream(source(totalMiB * MiB));
		return totalMiB / ((performance.now() - t0) / 1000);
	},
	/**
	 * IndexedDB alone (MiB/s): 1 MiB values, 8 per transaction, no Helia, no
	 * hashing, no encryption. The ceiling any IndexedDB blockstore can reach
	 * in this browser on this machine.
	 */
	async idbOnly(totalMiB: number): Promise<number> {
		const name = `carevault-bench-idb-${Date.now()}`;
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const req = indexedDB.open(name, 1);
			req.onupgradeneeded = () => req.result.createObjectStore('blocks');
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		const values = source(totalMiB * MiB);
		const t0 = performance.now();
		let key = 0;
		for (let more = true; more; ) {
			const tx = db.transaction('blocks', 'readwrite');
			for (let i = 0; i < 8; i++) {
				const next = await values.next();
				if (next.done) { more = false; break; }
				tx.objectStore('blocks').put(next.value.slice(), key++);
			}
			await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
		}
		const mibS = totalMiB / ((performance.now() - t0) / 1000);
		db.close();
		indexedDB.deleteDatabase(name);
		return mibS;
	},
	/**
	 * The Origin Private File System appending to one file from a worker with a
	 * synchronous access handle (MiB/s), no hashing, no encryption: what a
	 * pack-file block store could reach instead of IndexedDB.
	 */
	async opfsAppend(totalMiB: number): Promise<number> {
		const worker = new Worker(URL.createObjectURL(new Blob([OPFS_WORKER], { type: 'text/javascript' })));
		try {
			return await new Promise<number>((resolve, reject) => {
				worker.onmessage = (e: MessageEvent<{ mibS?: number; error?: string }>) =>
					e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.mibS ?? 0);
				worker.onerror = (e) => reject(new Error(e.message));
				worker.postMessage({ totalMiB, name: `carevault-bench-${Date.now()}` });
			});
		} finally {
			worker.terminate();
		}
	},
	/**
	 * Patient-side work of a grant covering `count` records (seconds): kfrag,
	 * one cfrag per record, bundle encrypted and stored, pointer sealed. The
	 * records (with real Umbral capsules) are made first and not timed.
	 */
	async grantBuild(count: number): Promise<number> {
		const { blobStore } = await node();
		const patient = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		const grantee = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
		const pk = patient.umbralKey('medications', 0).publicKey;
		const records: VaultRecord[] = [];
		for (let i = 0; i < count; i++) {
			const sealed = await sealDataKey(pk, crypto.getRandomValues(new Uint8Array(32)));
			records.push({
				id: `r${i}`, title: `Medication ${i}`, category: 'medications', date: '2025-01-01', addedAt: '2025-01-01T00:00:00Z', kind: 'file',
				attachments: [{ id: `a${i}`, name: `m${i}.txt`, type: 'text/plain', manifest: {
					v: 1, alg: 'secretstream-xchacha20poly1305', chunk: CHUNK_SIZE, id: `a${i}`, size: 100,
					cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
					capsule: toBase64(sealed.capsule), sealedKey: toBase64(sealed.ciphertext), epoch: 0 } }]
			});
		}
		const address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
		const vault = { address, keys: patient, index: { ...emptyIndex(), records }, headerCid: '' };
		const t0 = performance.now();
		const bundle = await buildBundle(vault, {
			grantee: address, scope: { categories: ['medications'] }, createdAt: new Date().toISOString(),
			receiver: { inbox: grantee.inbox.publicKey, umbral: grantee.umbralIdentity.publicKey.toCompressedBytes() }
		});
		const pointer = await storeBundle(blobStore, bundle);
		await sealGrantPointer(pointer, grantee.inbox.publicKey, { address, indexKey: patient.index });
		return (performance.now() - t0) / 1000;
	},
	/**
	 * A picked file of `totalMiB` (a Blob, built here first and not timed)
	 * added through the app's path (storeEncrypted: the workers where the
	 * segment store runs). Seconds; bench/run.mjs samples every heap meanwhile.
	 */
	async addFileForHeap(totalMiB: number): Promise<number> {
		const { blobStore } = await node();
		const key = await generateDataKey();
		// A file on disk, as a picker gives one: written into the private file system first (a Blob of 1 GiB in memory fails to read here).
		const root = await navigator.storage.getDirectory();
		const name = `bench-add-${Date.now()}`;
		const writable = await (await root.getFileHandle(name, { create: true })).createWritable();
		for await (const piece of source(totalMiB * MiB)) await writable.write(piece as Uint8Array<ArrayBuffer>);
		await writable.close();
		const blob = await (await root.getFileHandle(name)).getFile();
		const file: FileInput = { name: 'bench.bin', type: 'application/octet-stream', size: blob.size, blob, stream: () => blob.stream() as unknown as AsyncIterable<Uint8Array> };
		(globalThis as { gc?: () => void }).gc?.();
		await new Promise((r) => setTimeout(r, 500));
		(window as unknown as { benchAddStarted?: boolean }).benchAddStarted = true;
		const t0 = performance.now();
		await storeEncrypted({ blobs: blobStore, encrypt: browserEncryptor }, file, { key, ad: await ad() });
		const seconds = (performance.now() - t0) / 1000;
		await root.removeEntry(name);
		return seconds;
	},
	/** Peak JS heap (MiB) while adding `totalMiB` through encrypt + store. */
	async peakHeap(totalMiB: number): Promise<{ peakMiB: number; baselineMiB: number; seconds: number }> {
		const { blobStore } = await node();
		const key = await generateDataKey();
		const baseline = heap();
		let peak = baseline;
		const sample = () => { peak = Math.max(peak, heap()); };
		const timer = setInterval(sample, 20);
		const t0 = performance.now();
		try {
			await blobStore.addStream(encryptStream(source(totalMiB * MiB, sample), { key, ad: await ad() }));
		} finally {
			clearInterval(timer);
		}
		sample();
		return { peakMiB: peak / MiB, baselineMiB: baseline / MiB, seconds: (performance.now() - t0) / 1000 };
	}
};

/**
 * Open a stored `totalMiB` record the way "Save to disk" does: read, decrypt
 * (decryptAttachment, the app's path after the data key is unsealed) and
 * write into a private-file-system file. Peak JS heap and seconds.
 */
async function openPeakHeap(totalMiB: number): Promise<{ peakMiB: number; baselineMiB: number; seconds: number }> {
	const { blobStore } = await node();
	const key = await generateDataKey();
	const cid = await blobStore.addStream(encryptStream(source(totalMiB * MiB), { key, ad: await ad() }));
	const out = await opfsSink(`bench-open-${Date.now()}`);
	// Let the add's garbage go before the baseline.
	(globalThis as { gc?: () => void }).gc?.();
	await new Promise((r) => setTimeout(r, 500));
	const baseline = heap();
	let peak = baseline;
	const sample = () => { peak = Math.max(peak, heap()); };
	const timer = setInterval(sample, 20);
	const t0 = performance.now();
	try {
		for await (const part of decryptAttachment(blobStore, { id: 'bench', cid, chunk: CHUNK_SIZE, size: totalMiB * MiB }, key)) {
			sample();
			await out.sink.write(part);
		}
		await out.sink.close();
	} finally {
		clearInterval(timer);
	}
	sample();
	const seconds = (performance.now() - t0) / 1000;
	await out.remove();
	return { peakMiB: peak / MiB, baselineMiB: baseline / MiB, seconds };
}

/**
 * A `totalMiB` record stored, then backed up into a CAR file in the private
 * file system (MiB/s of CAR written), then restored from that file into a
 * second, empty IndexedDB node: check pass + store pass, as the Backup page does (MiB/s of CAR read once).
 */
async function carBackupRestore(totalMiB: number): Promise<{ backupMiBs: number; restoreMiBs: number; carMiB: number; scanS: number; storeS: number }> {
	const { blobStore, helia } = await node();
	// Ciphertext, as a record is stored (the plain source reuses one buffer, which the importer may share between leaves).
	const cid = await blobStore.addStream(encryptStream(source(totalMiB * MiB), { key: await generateDataKey(), ad: await ad() }));
	const out = await opfsSink(`bench-car-${Date.now()}`);
	const description = new TextEncoder().encode('{"carevault":"backup","v":1}');
	const t0 = performance.now();
	await createCarBackup(helia).writeCar({ roots: [cid], description }, out.sink);
	await out.sink.close();
	const backupSeconds = (performance.now() - t0) / 1000;
	const file = await out.file();
	const target = await startBrowserNode({ peers: [], networking: false, dbName: `carevault-bench-restore-${Date.now()}` });
	const restore = createCarBackup(target.helia);
	const read = () => file.stream() as unknown as AsyncIterable<Uint8Array>;
	const t1 = performance.now();
	await restore.scanCar(read());
	const t2 = performance.now();
	await restore.storeCar(read());
	const restoreSeconds = (performance.now() - t1) / 1000;
	const scanS = (t2 - t1) / 1000;
	const storeS = (performance.now() - t2) / 1000;
	await target.stop();
	await out.remove();
	const carMiB = file.size / MiB;
	return { backupMiBs: carMiB / backupSeconds, restoreMiBs: carMiB / restoreSeconds, carMiB, scanS, storeS };
}

Object.assign(bench, { openPeakHeap, carBackupRestore });
(window as unknown as { carevaultBench: typeof bench & { openPeakHeap: typeof openPeakHeap; carBackupRestore: typeof carBackupRestore } }).carevaultBench = bench as typeof bench & { openPeakHeap: typeof openPeakHeap; carBackupRestore: typeof carBackupRestore };
document.body.dataset.ready = 'true';
