/**
 * Bounded reads of other people's payloads on real Helia nodes: a memory node
 * connected to a local IPFS peer (the network), blobs nobody has, blobs far
 * too large.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpfsPeer } from '../../../scripts/ipfs-peer.mjs';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import type { BlobStore } from './ports';
import { fetchPayload } from './fetchPayload';
import { PayloadTooLargeError, PayloadUnavailableError } from './errors';

const MiB = 1024 * 1024;
let peer: Awaited<ReturnType<typeof startIpfsPeer>>;
let networked: MemoryNode;
let elsewhere: MemoryNode;

beforeAll(async () => {
	peer = await startIpfsPeer({ port: 0 });
	// Only fetchPayload's own limit can end a wait here: the blob store's idle limit is far longer than the test.
	networked = await createMemoryNode({ peers: peer.multiaddrs, blobStore: { timeoutMs: 600_000 } });
	elsewhere = await createMemoryNode();
});
afterAll(async () => {
	await networked?.stop();
	await elsewhere?.stop();
	await peer?.stop();
});

function randomBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
	return out;
}

async function* pieces(length: number): AsyncGenerator<Uint8Array> {
	for (let i = 0; i < length; i += MiB) yield randomBytes(Math.min(MiB, length - i));
}

/** A CID whose blocks exist only on a node no one can reach. */
async function unreachableCid(): Promise<string> {
	return elsewhere.blobStore.addBytes(randomBytes(2048));
}

describe('fetchPayload', () => {
	it('a payload no peer has fails with PayloadUnavailableError at the time limit, while another payload still loads', { timeout: 20_000 }, async () => {
		expect(networked.connectedPeers()).toBeGreaterThan(0);
		const present = randomBytes(3000);
		const presentCid = await networked.blobStore.addBytes(present);
		const missing = unreachableCid();
		const [lost, found] = await Promise.allSettled([fetchPayload(networked.blobStore, await missing, { timeoutMs: 1500 }), fetchPayload(networked.blobStore, presentCid)]);
		expect(lost.status).toBe('rejected');
		const err = (lost as PromiseRejectedResult).reason;
		expect(err).toBeInstanceOf(PayloadUnavailableError);
		expect((err as PayloadUnavailableError).shortMessage).toMatch(/couldn't be fetched from IPFS; the sender's node may be offline/);
		expect((err as PayloadUnavailableError).cid).toBe(await missing);
		expect(found).toEqual({ status: 'fulfilled', value: present });
	});

	it('an offline node: missing blocks are PayloadUnavailableError too', async () => {
		await expect(fetchPayload(elsewhere.blobStore, await networked.blobStore.addBytes(randomBytes(100)))).rejects.toBeInstanceOf(PayloadUnavailableError);
	});

	it('an oversized payload fails with PayloadTooLargeError without being read whole', async () => {
		const big = 24 * MiB;
		const cid = await networked.blobStore.addStream(pieces(big));
		let read = 0;
		const counting: Pick<BlobStore, 'cat'> = {
			async *cat(c, options) {
				for await (const part of networked.blobStore.cat(c, options)) {
					read += part.length;
					yield part;
				}
			}
		};
		const err = await fetchPayload(counting, cid, { maxBytes: 2 * MiB }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(PayloadTooLargeError);
		expect((err as PayloadTooLargeError).maxBytes).toBe(2 * MiB);
		// At most one leaf (1 MiB) past the limit was read, out of 24 MiB.
		expect(read).toBeGreaterThan(2 * MiB);
		expect(read).toBeLessThanOrEqual(3 * MiB);

		// The same blob under the default limit (16 MiB) is still refused; a blob at the limit is read.
		await expect(fetchPayload(networked.blobStore, cid)).rejects.toBeInstanceOf(PayloadTooLargeError);
		const fits = await networked.blobStore.addStream(pieces(2 * MiB));
		expect((await fetchPayload(networked.blobStore, fits, { maxBytes: 2 * MiB })).length).toBe(2 * MiB);
	});

	it('the caller’s own cancel is passed through as it is, not reported as unavailable', async () => {
		const controller = new AbortController();
		const reason = new Error('patient left the page');
		const pending = fetchPayload(networked.blobStore, await unreachableCid(), { signal: controller.signal, timeoutMs: 60_000 });
		controller.abort(reason);
		await expect(pending).rejects.toBe(reason);
	});

	it('a malformed CID is not something a retry fixes: InvalidCidError', async () => {
		await expect(fetchPayload(networked.blobStore, 'not-a-cid')).rejects.toMatchObject({ name: 'InvalidCidError' });
	});
});
