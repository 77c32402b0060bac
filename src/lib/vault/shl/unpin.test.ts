/**
 * Unpinning a SMART Health Link's file, on real parts: a Helia node in memory
 * connected to the local IPFS peer (scripts/ipfs-peer.mjs) whose gateway
 * serves the file. Unpinning removes the block here and on the peer (its
 * gateway stops serving it); only the holder of the link's unpin secret can
 * make the peer drop it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import { startIpfsPeer } from '../../../../scripts/ipfs-peer.mjs';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { askPeersToUnpin } from '../../ipfs/remotePin';
import { deriveVaultKeys } from '../../crypto/keys';
import { emptyIndex } from '../../records/model';
import { encryptRecords } from '../addRecords';
import type { OpenVault } from '../deps';
import { bytesFile, FHIR_JSON } from '../fhirRecords';
import { makeShl, ShlUnpinError, type MadeShl } from './index';
import { loadShlList, rememberShl, unpinShl } from './list';

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
let peer: Peer;
let node: MemoryNode;
let stranger: MemoryNode;
let vault: OpenVault;
let made: MadeShl;
const local = memoryLocal();
const DAY = 86_400;

const fetchStatus = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(60_000) })).status;

beforeAll(async () => {
	peer = await startIpfsPeer({ port: 0 });
	node = await createMemoryNode({ peers: peer.multiaddrs });
	stranger = await createMemoryNode({ peers: peer.multiaddrs });
	vault = { address: '0x00000000000000000000000000000000000000bb', keys: await deriveVaultKeys(new Uint8Array(32).fill(9)), index: emptyIndex(), headerCid: '' };
	const records = await encryptRecords({ blobs: node.blobStore }, vault, [
		{ title: 'Asthma', category: 'problems', date: '2019-03-01', kind: 'fhir', files: [bytesFile('asthma.json', FHIR_JSON, new TextEncoder().encode(JSON.stringify({ resourceType: 'Condition', id: 'c1', code: { text: 'Asthma' } })))] }
	]);
	vault = { ...vault, index: { ...vault.index, records } };
	made = await makeShl({ blobs: node.blobStore }, vault, { scope: { categories: ['problems'] }, exp: Math.floor(Date.now() / 1000) + 30 * DAY, label: 'For Dr. Lee', gateway: peer.gateway });
	await rememberShl({ local }, vault, made);
}, 120_000);
afterAll(async () => {
	await stranger?.stop();
	await node?.stop();
	await peer?.stop();
});

describe('unpinning a SMART Health Link', () => {
	it('is listed on this device with its label and end, encrypted', async () => {
		const list = await loadShlList(local, vault);
		expect(list).toEqual([expect.objectContaining({ cid: made.cid, url: made.payload.url, label: 'For Dr. Lee', exp: made.payload.exp, resources: 1, documents: 0 })]);
		expect(list[0]!.unpinnedAt).toBeUndefined();
		// Another vault's keys do not open it.
		const other = { ...vault, keys: await deriveVaultKeys(new Uint8Array(32).fill(1)) };
		await expect(loadShlList(local, other)).rejects.toThrow(/could not be read/);
	});

	it('the peer keeps and serves the file; someone without the unpin secret cannot make it drop it', async () => {
		expect(await fetchStatus(made.payload.url)).toBe(200);
		const wrong = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
		const results = await askPeersToUnpin(stranger.libp2p!, CID.parse(made.cid), wrong);
		expect(results).toEqual([expect.objectContaining({ status: 'failed', error: expect.stringContaining('does not match') })]);
		expect(await fetchStatus(made.payload.url)).toBe(200);
	});

	it('unpinned: gone from this device and from the peer, whose gateway no longer serves it; marked in the list', async () => {
		const cid = CID.parse(made.cid);
		expect(await node.blockstore.has(cid)).toBe(true);
		const { list, report } = await unpinShl({ local, blobs: node.blobStore }, vault, made.cid);
		expect(report.local).toBe('removed');
		expect(report.remote).toEqual([expect.objectContaining({ peer: peer.peerId, status: 'unpinned' })]);
		expect(await node.blockstore.has(cid)).toBe(false);
		expect(await node.helia.pins.isPinned(cid)).toBe(false);
		expect(await fetchStatus(made.payload.url)).not.toBe(200);
		expect(list[0]!.unpinnedAt).toEqual(expect.any(String));
		expect((await loadShlList(local, vault))[0]!.unpinnedAt).toBe(list[0]!.unpinnedAt);
		// Asking again: nothing left here; the peer no longer holds a tag for it.
		const again = await unpinShl({ local, blobs: node.blobStore }, vault, made.cid);
		expect(again.report.local).toBe('absent');
		expect(again.report.remote[0]).toMatchObject({ status: 'failed' });
	});

	it('a link not made on this device cannot be unpinned', async () => {
		await expect(unpinShl({ local, blobs: node.blobStore }, vault, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).rejects.toBeInstanceOf(ShlUnpinError);
	});
});
