import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveEncryption, type CipherPort } from '../../crypto/cipherPort';
import { CHUNK_SIZE, decryptStream, generateDataKey, manifestHeaderHash } from '../../crypto/recordCipher';
import { createBlobStore } from '../blobStore';
import { createMemoryNode } from '../memoryNode';
import { importEncryptedFile } from './importEncrypted';
import { nodeSegmentDir } from './nodeFiles';
import { openIdbSegmentIndex } from './segmentIndex';
import { SegmentBlockstore } from './segmentStore';

// The segment worker's own add, run here over real files, a real IndexedDB index (fake-indexeddb)
// and the real cipher on the other end of a MessageChannel, as the cipher worker serves it.

const MiB = 1024 * 1024;
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
	for (const c of cleanup.splice(0).reverse()) await c();
});

let n = 0;
async function openStore(dir?: string): Promise<{ store: SegmentBlockstore; dir: string; name: string }> {
	const path = dir ?? mkdtempSync(join(tmpdir(), 'carevault-import-'));
	if (!dir) cleanup.push(() => rmSync(path, { recursive: true, force: true }));
	const name = `import-${n++}`;
	return { store: await SegmentBlockstore.open({ dir: nodeSegmentDir(path), index: await openIdbSegmentIndex(name), segmentBytes: 4 * MiB }), dir: path, name };
}

function cipherPort(): CipherPort {
	const channel = new MessageChannel();
	serveEncryption(channel.port2 as unknown as CipherPort);
	cleanup.push(() => {
		channel.port1.close();
		channel.port2.close();
	});
	return channel.port1 as unknown as CipherPort;
}

function data(length: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = (i * 131 + (i >> 11)) & 0xff;
	return out;
}

async function all(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const p of it) parts.push(p);
	return new Uint8Array(Buffer.concat(parts));
}

const ad = () => manifestHeaderHash({ v: 1, alg: 'secretstream-xchacha20poly1305', chunk: CHUNK_SIZE, id: 'import' });

describe('importEncryptedFile: encrypt + store inside the segment worker', () => {
	it('stores the ciphertext under the CID addStream gives it, durable once it resolves, and it decrypts to the file', async () => {
		const { store } = await openStore();
		const plain = data(3 * MiB + 12_345);
		const key = await generateDataKey();
		const progress: number[] = [];
		const cid = await importEncryptedFile(store, cipherPort(), new Blob([plain]), { key, ad: await ad(), onProgress: (d) => progress.push(d) });
		expect(progress.at(-1)).toBe(plain.length);

		// Read back through the app's blob store over this very store, then add the same
		// ciphertext the page's way: the CIDs must agree (README "How CIDs are made").
		const ciphertext = await all(createBlobStore({ blockstore: store, pins: { add: async function* () {} } }).cat(cid.toString()));
		expect(await all(decryptStream([ciphertext], { key, ad: await ad() }))).toEqual(plain);
		const memory = await createMemoryNode();
		cleanup.push(() => memory.stop());
		expect(await memory.blobStore.addStream((async function* () { yield ciphertext; })())).toBe(cid.toString());
	});

	it('every block is indexed when the add resolves: a store reopened from the same files and index has them all', async () => {
		const { store, dir, name } = await openStore();
		const key = await generateDataKey();
		const cid = await importEncryptedFile(store, cipherPort(), new Blob([data(2 * MiB + 7)]), { key, ad: await ad() });
		await store.close();
		const reopened = await SegmentBlockstore.open({ dir: nodeSegmentDir(dir), index: await openIdbSegmentIndex(name), segmentBytes: 4 * MiB });
		cleanup.push(() => reopened.close());
		const ciphertext = await all(createBlobStore({ blockstore: reopened, pins: { add: async function* () {} } }).cat(cid.toString()));
		expect(await all(decryptStream([ciphertext], { key, ad: await ad() }))).toEqual(data(2 * MiB + 7));
	});

	it('fails, with no CID, when the store cannot write, and stops when cancelled', async () => {
		const closed = await openStore();
		await closed.store.close();
		await expect(importEncryptedFile(closed.store, cipherPort(), new Blob([data(MiB + 1)]), { key: await generateDataKey(), ad: await ad() })).rejects.toThrow(/closed/);

		const { store } = await openStore();
		cleanup.push(() => store.close());
		const controller = new AbortController();
		const added = importEncryptedFile(store, cipherPort(), new Blob([data(6 * MiB)]), {
			key: await generateDataKey(),
			ad: await ad(),
			signal: controller.signal,
			onProgress: (done) => done >= MiB && controller.abort(new DOMException('cancelled', 'AbortError'))
		});
		await expect(added).rejects.toMatchObject({ name: 'AbortError' });
	});
});
