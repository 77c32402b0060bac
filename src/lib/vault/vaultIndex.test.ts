import { describe, expect, it } from 'vitest';
import type { Attachment, GrantRecord, VaultIndex, VaultRecord } from '../records/model';
import { mergeIndexes } from './vaultIndex';

const attachment = (id: string, sealedKey = `key-${id}`): Attachment => ({
	id,
	name: `${id}.txt`,
	type: 'text/plain',
	manifest: { v: 1, alg: 'secretstream-xchacha20poly1305', chunk: 1048576, id, size: 3, cid: `bafk-${id}`, capsule: `cap-${id}`, sealedKey, epoch: 0 }
});
const record = (id: string, batch: number, attachments = [attachment(`${id}-a`)]): VaultRecord => ({
	id,
	title: id,
	category: 'notes',
	date: '2025-01-01',
	addedAt: '2025-01-01T00:00:00.000Z',
	kind: 'file',
	batch,
	attachments
});
const grant = (id: string, extra: Partial<GrantRecord> = {}): GrantRecord => ({
	id,
	grantee: '0x0000000000000000000000000000000000000001',
	kind: 'provider',
	scope: { categories: ['notes'] },
	expiresAt: 0,
	createdAt: '2025-01-01T00:00:00.000Z',
	...extra
});

describe('mergeIndexes', () => {
	const base = [record('start', 0)];
	const newer: VaultIndex = {
		v: 1,
		records: [...base, record('theirs-1', 1), record('theirs-2', 2)],
		epochs: { notes: 1 },
		batches: 3,
		grants: [grant('1', { bundleCid: 'bafy-new' }), grant('3')]
	};
	const ours: VaultIndex = {
		v: 1,
		records: [...base, record('ours-1', 1)],
		epochs: { notes: 0, labs: 2 },
		batches: 2,
		grants: [grant('1', { bundleCid: 'bafy-old', rotated: ['notes'] }), grant('2')]
	};

	it('keeps every record of both, the newer index first, and takes the chain’s batch count', () => {
		const merged = mergeIndexes(newer, ours);
		expect(merged.records.map((r) => r.id)).toEqual(['start', 'theirs-1', 'theirs-2', 'ours-1']);
		expect(merged.batches).toBe(3);
	});

	it('keeps the higher key epoch per category and every grant, a revocation seen on either side included', () => {
		const merged = mergeIndexes(newer, ours);
		expect(merged.epochs).toEqual({ notes: 1, labs: 2 });
		expect(merged.grants?.map((g) => [g.id, g.bundleCid, g.rotated])).toEqual([
			['1', 'bafy-new', ['notes']],
			['3', undefined, undefined],
			['2', undefined, undefined]
		]);
	});

	it('a record both hold keeps every attachment with its own sealed key', () => {
		const a = record('same', 1, [attachment('x', 'key-x-theirs')]);
		const b = record('same', 1, [attachment('x', 'key-x-ours'), attachment('y')]);
		const merged = mergeIndexes({ ...newer, records: [a] }, { ...ours, records: [b] });
		expect(merged.records).toHaveLength(1);
		expect(merged.records[0].attachments.map((att) => [att.id, att.manifest.sealedKey])).toEqual([
			['x', 'key-x-theirs'],
			['y', 'key-y']
		]);
	});

	it('is deterministic and loses nothing when merged again', () => {
		const once = mergeIndexes(newer, ours);
		expect(mergeIndexes(newer, ours)).toEqual(once);
		expect(mergeIndexes(once, ours)).toEqual(once);
		expect(mergeIndexes(once, newer)).toEqual(once);
	});
});
