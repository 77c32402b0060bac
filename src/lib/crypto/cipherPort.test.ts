import { afterEach, describe, expect, it } from 'vitest';
import { encryptThroughPort, serveEncryption, type CipherPort } from './cipherPort';
import { decryptStream, encryptStream, generateDataKey, manifestHeaderHash, CHUNK_SIZE } from './recordCipher';

// Both halves over a real MessageChannel: structured clone, transferred
// buffers and message ordering as between a page and its worker.

const channels: MessageChannel[] = [];
afterEach(() => {
	for (const c of channels.splice(0)) {
		c.port1.close();
		c.port2.close();
	}
});

function pair(): { page: CipherPort; worker: CipherPort } {
	const channel = new MessageChannel();
	channels.push(channel);
	serveEncryption(channel.port2 as unknown as CipherPort);
	return { page: channel.port1 as unknown as CipherPort, worker: channel.port2 as unknown as CipherPort };
}

function data(length: number): Uint8Array<ArrayBuffer> {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >> 9)) & 0xff;
	return out;
}

async function all(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const p of it) parts.push(p);
	return new Uint8Array(Buffer.concat(parts));
}

const ad = () => manifestHeaderHash({ v: 1, alg: 'secretstream-xchacha20poly1305', chunk: CHUNK_SIZE, id: 'port' });

describe('record encryption through a port', () => {
	it('yields a stream that decrypts to the file, reports progress, and leaves the caller its key', async () => {
		const { page } = pair();
		const plain = data(5 * 1024 * 1024 + 123);
		const key = await generateDataKey();
		const progress: number[] = [];
		const cipher = await all(encryptThroughPort(page, new Blob([plain]), { key, ad: await ad(), onProgress: (n) => progress.push(n) }));
		expect(await all(decryptStream([cipher], { key, ad: await ad() }))).toEqual(plain);
		expect(progress.at(-1)).toBe(plain.length);
		expect(progress).toEqual([...progress].sort((a, b) => a - b));
		// The same bytes as the in-thread cipher would produce in length (the header differs: random).
		expect(cipher.length).toBe((await all(encryptStream([plain], { key, ad: await ad() }))).length);
		expect(key.some((b) => b !== 0)).toBe(true);
	});

	it('encrypts several files one after another over the same port', async () => {
		const { page } = pair();
		const key = await generateDataKey();
		for (const size of [1, 3 * 1024 * 1024, 10]) {
			const plain = data(size);
			const cipher = await all(encryptThroughPort(page, new Blob([plain]), { key, ad: await ad() }));
			expect(await all(decryptStream([cipher], { key, ad: await ad() }))).toEqual(plain);
		}
	});

	it("rethrows the worker's error with its name and message", async () => {
		const { page } = pair();
		const err = await all(encryptThroughPort(page, new Blob([data(10)]), { key: new Uint8Array(5), ad: await ad() })).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(Error);
		expect((err as Error).name).toBe('InvalidInputError');
		expect((err as Error).message).toMatch(/key/);
	});

	it('keeps the worker at most a few chunks ahead, and stops it when the page stops reading', async () => {
		const { page, worker } = pair();
		let chunksSent = 0;
		const post = worker.postMessage.bind(worker);
		worker.postMessage = (m: unknown, transfer?: Transferable[]) => {
			if ((m as { t: string }).t === 'chunk') chunksSent++;
			post(m, transfer);
		};
		const key = await generateDataKey();
		const it = encryptThroughPort(page, new Blob([data(40 * 1024 * 1024)]), { key, ad: await ad() });
		await it.next();
		await new Promise((r) => setTimeout(r, 300));
		// The header, then no more than the credit beyond what was read.
		expect(chunksSent).toBeLessThanOrEqual(6);
		await it.return(undefined);
		const stoppedAt = chunksSent;
		await new Promise((r) => setTimeout(r, 300));
		expect(chunksSent).toBeLessThanOrEqual(stoppedAt + 1);
	});

	it('refuses to start, and stops, when the signal aborts', async () => {
		const { page } = pair();
		const key = await generateDataKey();
		await expect(all(encryptThroughPort(page, new Blob([data(10)]), { key, ad: await ad(), signal: AbortSignal.abort() }))).rejects.toThrow();
		const controller = new AbortController();
		const it = encryptThroughPort(page, new Blob([data(20 * 1024 * 1024)]), { key, ad: await ad(), signal: controller.signal });
		await it.next();
		controller.abort();
		await expect(all(it)).rejects.toThrow();
	});
});
