import { MemoryBlockstore } from 'blockstore-core/memory';
import { describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { withLegacyReads } from './legacyReads';

async function block(text: string) {
	const bytes = new TextEncoder().encode(text);
	return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}
async function bytesOf(it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
	const parts: Uint8Array[] = [];
	for await (const p of it) parts.push(p);
	return new TextDecoder().decode(parts.length === 1 ? parts[0] : new Uint8Array(parts.flatMap((p) => [...p])));
}

describe('withLegacyReads', () => {
	it('reads blocks an earlier version left in IndexedDB, writes only to the new store, lists both once', async () => {
		const primary = new MemoryBlockstore();
		const legacy = new MemoryBlockstore();
		const old = await block('stored by the IndexedDB version');
		const both = await block('in both stores');
		await legacy.put(old.cid, old.bytes);
		await legacy.put(both.cid, both.bytes);
		await primary.put(both.cid, both.bytes);
		const store = withLegacyReads(primary, legacy);

		expect(await store.has(old.cid)).toBe(true);
		expect(await bytesOf(store.get(old.cid))).toBe('stored by the IndexedDB version');
		const fresh = await block('new');
		await store.put(fresh.cid, fresh.bytes);
		expect(await primary.has(fresh.cid)).toBe(true);
		expect(await legacy.has(fresh.cid)).toBe(false);

		const listed: string[] = [];
		for await (const { cid } of store.getAll()) listed.push(cid.toString());
		expect(listed.sort()).toEqual([old, both, fresh].map((b) => b.cid.toString()).sort());

		await store.delete(old.cid);
		expect(await store.has(old.cid)).toBe(false);
		const missing = await block('never stored');
		await expect(bytesOf(store.get(missing.cid))).rejects.toHaveProperty('name', 'NotFoundError');
	});
});
