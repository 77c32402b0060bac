import { describe, expect, it } from 'vitest';
import { emptyIndex, type VaultIndex, type VaultRecord } from '../../records/model';
import { vaultRoots } from './vaultRoots';

const record = (id: string, cids: string[]): VaultRecord => ({
	id,
	title: id,
	category: 'labs',
	date: '2024-01-01',
	addedAt: '2024-01-01T00:00:00Z',
	kind: cids.length > 1 ? 'fhir' : 'file',
	attachments: cids.map((cid, i) => ({
		id: `${id}-${i}`,
		name: 'x',
		type: 'application/octet-stream',
		manifest: { v: 1, alg: 'secretstream-xchacha20poly1305', chunk: 1048576, id: `${id}-${i}`, size: 1, cid, capsule: '', sealedKey: '', epoch: 0 }
	}))
});

describe('vaultRoots', () => {
	it('lists the header, the index, every attachment and every grant bundle, each once, in that order', () => {
		const index: VaultIndex = {
			...emptyIndex(),
			records: [record('r1', ['att1']), record('r2', ['att2', 'att3', 'att1'])],
			grants: [
				{ id: '1', grantee: '0x0000000000000000000000000000000000000001', kind: 'provider', scope: { categories: ['labs'] }, expiresAt: 0, createdAt: '', bundleCid: 'bundle1' },
				{ id: '2', grantee: '0x0000000000000000000000000000000000000002', kind: 'link', scope: { recordIds: ['r1'] }, expiresAt: 0, createdAt: '' }
			]
		};
		expect(vaultRoots({ headerCid: 'header', indexCids: ['index'], index })).toEqual(['header', 'index', 'att1', 'att2', 'att3', 'bundle1']);
	});

	it('is just the header for a vault that never committed', () => {
		expect(vaultRoots({ headerCid: 'header', indexCids: [], index: emptyIndex() })).toEqual(['header']);
	});
});
