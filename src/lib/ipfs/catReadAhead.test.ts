/**
 * A blob is read back a few blocks ahead of its reader, never the whole file:
 * a reader slower than the store (decrypting into a file on disk) must not
 * make the node hold a 1 GiB record in memory.
 */
import { describe, expect, it } from 'vitest';
import type { Blockstore } from 'interface-blockstore';
import { createBlobStore } from './blobStore';
import { createMemoryNode } from './memoryNode';

const MiB = 1024 * 1024;

describe('blobStore.cat read-ahead', () => {
	it('fetches at most a few blocks beyond what a paused reader took, and still yields every byte in order', async () => {
		const node = await createMemoryNode();
		try {
			let gets = 0;
			const counting: Pick<Blockstore, 'get' | 'put' | 'has'> = {
				get: (cid, options) => {
					gets++;
					return node.helia.blockstore.get(cid, options);
				},
				put: (cid, bytes, options) => node.helia.blockstore.put(cid, bytes, options),
				has: (cid, options) => node.helia.blockstore.has(cid, options)
			};
			const blobs = createBlobStore({ blockstore: counting, pins: node.helia.pins });
			const data = new Uint8Array(20 * MiB);
			for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
			const cid = await blobs.addBytes(data);
			gets = 0;

			const out = new Uint8Array(data.length);
			let at = 0;
			for await (const chunk of blobs.cat(cid)) {
				if (at === 0) {
					// The reader stalls on its first chunk (a slow disk): the store must stop too.
					await new Promise((r) => setTimeout(r, 200));
					// root + the leaf handed over + at most 4 read ahead (+1 in flight)
					expect(gets).toBeLessThanOrEqual(7);
				}
				out.set(chunk, at);
				at += chunk.length;
			}
			expect(at).toBe(data.length);
			const firstDiff = out.findIndex((b, i) => b !== data[i]);
			expect(firstDiff).toBe(-1);
			expect(gets).toBe(21);
		} finally {
			await node.stop();
		}
	});
});
