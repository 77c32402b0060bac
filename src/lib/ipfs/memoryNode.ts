/**
 * An in-memory IPFS node for Node.js tests and scripts: the same node as the
 * browser's (start.ts) over MemoryBlockstore/MemoryDatastore. Networking is
 * off unless asked for, so a plain unit test never opens a socket.
 */
import * as dagPb from '@ipld/dag-pb';
import { MemoryBlockstore } from 'blockstore-core';
import { MemoryDatastore } from 'datastore-core';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { concatBytes } from '../crypto/encoding';
import { parseCid } from './blobStore';
import { startNode, type IpfsNode, type StartNodeOptions } from './start';

export interface CreateMemoryNodeOptions
	extends Pick<StartNodeOptions, 'peers' | 'gateways' | 'gateway' | 'dialTimeoutMs' | 'blobStore' | 'remotePin'> {
	/** @default false, or true when `peers` is given */
	networking?: boolean;
}

export interface MemoryNode extends IpfsNode {
	/** The raw store under Helia, for tests that inspect blocks. */
	blockstore: MemoryBlockstore;
	/**
	 * Flips one byte in the first leaf of `cid` in place, keeping its CID:
	 * what a malicious or broken peer could serve, for tamper tests.
	 */
	tamper(cid: string): Promise<void>;
}

export async function createMemoryNode(options: CreateMemoryNodeOptions = {}): Promise<MemoryNode> {
	const networking = options.networking ?? (options.peers?.length ?? 0) > 0;
	if (networking) await ensureWebSocket();
	const blockstore = new MemoryBlockstore();
	const node = await startNode({ ...options, networking, blockstore, datastore: new MemoryDatastore() });
	return Object.assign(node, {
		blockstore,
		async tamper(cid: string) {
			let current = parseCid(cid);
			for (;;) {
				const block = await readBlock(blockstore, current);
				if (current.code === raw.code) {
					const changed = block.slice();
					changed[changed.length - 1] ^= 0x01;
					await blockstore.put(current, changed);
					return;
				}
				if (current.code !== dagPb.code) throw new Error(`cannot tamper with codec 0x${current.code.toString(16)}`);
				const first = dagPb.decode(block).Links[0];
				if (!first) throw new Error(`${current} has no leaves to tamper with`);
				current = first.Hash;
			}
		}
	});
}

async function readBlock(blockstore: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const part of blockstore.get(cid)) parts.push(part);
	return parts.length === 1 ? parts[0] : concatBytes(...parts);
}

/** Node 20 has no global WebSocket, which @libp2p/websockets dials with. */
async function ensureWebSocket(): Promise<void> {
	if (typeof globalThis.WebSocket === 'function') return;
	const { WebSocket } = await import('undici');
	Object.defineProperty(globalThis, 'WebSocket', { value: WebSocket, configurable: true, writable: true });
}
