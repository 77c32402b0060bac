import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { SegmentBlockstore } from './segmentStore';
import { openIdbSegmentIndex } from './segmentIndex';
import { nodeSegmentDir } from './nodeFiles';

// The conformance suite is written for mocha's globals.
Object.assign(globalThis, { describe, it, beforeEach, afterEach });
const { interfaceBlockstoreTests } = await import('interface-blockstore-tests');

let n = 0;
const dirs: string[] = [];

async function openStore(): Promise<SegmentBlockstore> {
	const dir = mkdtempSync(join(tmpdir(), 'carevault-seg-'));
	dirs.push(dir);
	return SegmentBlockstore.open({ dir: nodeSegmentDir(dir), index: await openIdbSegmentIndex(`conformance-${n++}`), segmentBytes: 64 * 1024 });
}

describe('SegmentBlockstore: interface-blockstore conformance (real files, IndexedDB index)', () => {
	interfaceBlockstoreTests({
		setup: openStore,
		async teardown(store) {
			await (store as SegmentBlockstore).close();
			for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
		}
	});
});
