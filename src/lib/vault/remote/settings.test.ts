import { describe, expect, it } from 'vitest';
import { deriveVaultKeys } from '../../crypto/keys';
import { createMemoryNode } from '../../ipfs/memoryNode';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import { RemoteCopyInputError, RemoteCopySettingsCorruptError } from './errors';
import { loadRemoteCopies, newRemoteCopy, openRemoteCopies, remoteCopiesKey, saveRemoteCopies, sealRemoteCopies } from './settings';
import type { RemoteCopy } from './ports';

const A = '0x00000000000000000000000000000000000000aa' as const;
const B = '0x00000000000000000000000000000000000000bb' as const;
const keysOf = (seed: number) => deriveVaultKeys(new Uint8Array(32).fill(seed));
const remote: RemoteCopy = { id: 'r1', kind: 'pinning-service', name: 'Pinata', endpoint: 'https://api.pinata.cloud/psa', token: 'secret-token-1234' };

describe('remote copy settings', () => {
	it('seal and open round-trip; the token never appears in the sealed bytes', async () => {
		const keys = await keysOf(1);
		const sealed = await sealRemoteCopies(keys, A, [remote]);
		expect(Buffer.from(sealed).includes(Buffer.from(remote.token))).toBe(false);
		expect(await openRemoteCopies(keys, A, sealed)).toEqual([remote]);
	});

	it('another vault’s keys, another owner, or a changed byte: RemoteCopySettingsCorruptError', async () => {
		const keys = await keysOf(1);
		const sealed = await sealRemoteCopies(keys, A, [remote]);
		await expect(openRemoteCopies(await keysOf(2), A, sealed)).rejects.toBeInstanceOf(RemoteCopySettingsCorruptError);
		await expect(openRemoteCopies(keys, B, sealed)).rejects.toBeInstanceOf(RemoteCopySettingsCorruptError);
		const tampered = sealed.slice();
		tampered[30] ^= 1;
		await expect(openRemoteCopies(keys, A, tampered)).rejects.toBeInstanceOf(RemoteCopySettingsCorruptError);
	});

	it('a new device reads the list the index names; this device’s own copy comes first', async () => {
		const keys = await keysOf(3);
		const node = await createMemoryNode();
		try {
			const first = { local: memoryLocal(), blobs: node.blobStore, signer: { address: A } };
			const cid = await saveRemoteCopies(first, keys, [remote]);
			expect(await loadRemoteCopies(first, keys, {})).toEqual([remote]);
			const fresh = { local: memoryLocal(), blobs: node.blobStore, signer: { address: A } };
			expect(await loadRemoteCopies(fresh, keys, {})).toEqual([]);
			expect(await loadRemoteCopies(fresh, keys, { remotes: cid })).toEqual([remote]);
			// Kept on the device from then on, sealed.
			expect(await fresh.local.get(remoteCopiesKey(A))).not.toBeNull();
		} finally {
			await node.stop();
		}
	});

	it('newRemoteCopy checks what was typed and names the problem', () => {
		const ok = newRemoteCopy({ endpoint: ' https://api.pinata.cloud/psa/ ', token: ' abc ' });
		expect(ok).toMatchObject({ kind: 'pinning-service', name: 'api.pinata.cloud', endpoint: 'https://api.pinata.cloud/psa', token: 'abc' });
		expect(newRemoteCopy({ name: 'Mine', endpoint: 'http://127.0.0.1:5001', token: 't' }).name).toBe('Mine');
		expect(() => newRemoteCopy({ endpoint: 'http://pins.example.com', token: 't' })).toThrow(/must start with https/);
		expect(() => newRemoteCopy({ endpoint: 'pins.example.com', token: 't' })).toThrow(RemoteCopyInputError);
		expect(() => newRemoteCopy({ endpoint: 'https://pins.example.com', token: '  ' })).toThrow(/Paste the access token/);
		expect(() => newRemoteCopy({ endpoint: 'https://pins.example.com', token: 'a b' })).toThrow(/cannot contain spaces/);
	});
});
