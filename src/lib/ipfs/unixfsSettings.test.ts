/**
 * The CIDs our blob store makes, rebuilt here by hand from the written-down
 * settings (README "How CIDs are made"): CIDv1, sha2-256, raw leaves of
 * exactly 1 MiB, one dag-pb UnixFS "file" node over them, a file of one leaf
 * being that leaf itself. Another IPFS implementation with these settings
 * gets the same CIDs; if a library update changes them, this fails.
 */
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryNode, type MemoryNode } from './memoryNode';

const MiB = 1024 * 1024;
let node: MemoryNode;
afterAll(async () => node?.stop());

function bytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	let x = 7;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x & 0xff;
	}
	return out;
}

const rawCid = async (b: Uint8Array) => CID.createV1(raw.code, await sha256.digest(b));

async function expectedCid(data: Uint8Array): Promise<CID> {
	if (data.length <= MiB) return rawCid(data);
	const leaves: Uint8Array[] = [];
	for (let i = 0; i < data.length; i += MiB) leaves.push(data.subarray(i, i + MiB));
	const file = new UnixFS({ type: 'file', blockSizes: leaves.map((l) => BigInt(l.length)) });
	const node = dagPb.prepare({
		Data: file.marshal(),
		Links: await Promise.all(leaves.map(async (l) => ({ Hash: await rawCid(l), Name: '', Tsize: l.length })))
	});
	return CID.createV1(dagPb.code, await sha256.digest(dagPb.encode(node)));
}

describe('UnixFS settings behind every CID', () => {
	it('a small blob is one raw block; a 2.5 MiB blob is 1 MiB raw leaves under one dag-pb file node', async () => {
		node = await createMemoryNode();
		for (const size of [100, MiB, MiB + 1, 2.5 * MiB]) {
			const data = bytes(size);
			const viaStream = await node.blobStore.addStream((async function* () {
				for (let i = 0; i < data.length; i += 300_000) yield data.subarray(i, i + 300_000);
			})());
			expect(viaStream).toBe((await expectedCid(data)).toString());
			expect(await node.blobStore.addBytes(data)).toBe(viaStream);
		}
	});
});
