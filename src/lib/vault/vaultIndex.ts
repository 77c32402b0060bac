import { decryptBlob, encryptBlob } from '../crypto/seal';
import { canonicalJson } from '../crypto/encoding';
import type { VaultKeys } from '../crypto/keys';
import {
	emptyIndex,
	isCategory,
	type Category,
	type GrantRecord,
	type IndexLog,
	type IndexLogPeak,
	type VaultIndex,
	type VaultRecord
} from '../records/model';
import { IndexCorruptError } from '../records/errors';
import { indexKey, type VaultDeps } from './deps';
import { forEachLimited } from './limit';
import type { Hex } from './ports';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/*
 * The record index on IPFS is an append-only log of sealed blocks, so adding
 * records costs the new batch, not the vault:
 *
 *   batch block  { v: 2, kind: 'batch', prior, records, epochs, grants? }
 *                one per committed batch: the batch's own entries, the key
 *                epochs at that commit, the grants that changed since the
 *                previous batch, and `prior`: the complete subtrees holding
 *                every earlier batch.
 *   node block   { v: 2, kind: 'node', level, children, batches? }
 *                INDEX_LOG_FANOUT subtrees of level - 1 (level 0 = a batch block);
 *                a level-1 node also carries its batches' bodies when they
 *                total at most NODE_CONTENT_LIMIT bytes, so reading a vault
 *                built one record at a time costs 1/16 of the blocks.
 *
 * The chain's encrypted pointer names the latest batch block (the head).
 * Appending batch n makes its block, plus a node each time FANOUT subtrees of
 * one level are complete (amortised 1/15 of a node per batch), and nothing
 * else: `prior` holds at most FANOUT - 1 subtrees per level (60 CIDs for a
 * million batches). Batch i is the i-th leaf, which is also the batch number
 * the chain anchored. Every block is sealed with the index key; the associated
 * data binds it to its kind and owner, so a block cannot stand in for another
 * kind, nor for another patient's.
 */

/** Subtrees per node of the index log. */
export const INDEX_LOG_FANOUT = 16;
/** Largest copy of its batches' bodies a level-1 node carries (JSON bytes): with a one-record batch block, an add stays well under 64 KiB. */
export const NODE_CONTENT_LIMIT = 48 * 1024;
/** Blocks read at once when the whole log is loaded. */
const READ_CONCURRENCY = 32;

const blockAd = (kind: 'batch' | 'node', address: Hex) => utf8.encode(`carevault/v2/index-${kind}/${address.toLowerCase()}`);
const pointerAd = (address: Hex) => utf8.encode(`carevault/v2/index-pointer/${address.toLowerCase()}`);

export interface BatchBlock {
	v: 2;
	kind: 'batch';
	prior: IndexLogPeak[];
	records: VaultRecord[];
	epochs: Partial<Record<Category, number>>;
	grants?: GrantRecord[];
	/** The sealed remote copies list as of this batch (VaultIndex.remotes); the latest batch's wins. */
	remotes?: string;
}

/** What a batch adds to the index: its block without the log links. */
export type BatchBody = Pick<BatchBlock, 'records' | 'epochs' | 'grants' | 'remotes'>;

interface NodeBlock {
	v: 2;
	kind: 'node';
	level: number;
	children: string[];
	/**
	 * Level 1 only, when small: the bodies of its 16 batches again, so a reader
	 * takes one block instead of 16. A vault added to one record at a time
	 * would otherwise be read as one block per record.
	 */
	batches?: BatchBody[];
}

type IndexDeps = Pick<VaultDeps, 'blobs' | 'local' | 'signer'>;

async function putSealed(deps: IndexDeps, keys: VaultKeys, block: BatchBlock | NodeBlock): Promise<string> {
	const address = deps.signer.address;
	const sealed = await encryptBlob(keys.index, utf8.encode(JSON.stringify(block)), blockAd(block.kind, address));
	const cid = await deps.blobs.addBytes(sealed);
	await deps.blobs.pin(cid);
	await deps.local.put(`${indexKey(address)}:${cid}`, sealed);
	return cid;
}

async function getSealed(deps: IndexDeps, keys: VaultKeys, kind: 'batch' | 'node', cid: string): Promise<unknown> {
	const address = deps.signer.address;
	const cacheKey = `${indexKey(address)}:${cid}`;
	let sealed = await deps.local.get(cacheKey);
	if (!sealed) {
		sealed = await deps.blobs.getBytes(cid);
		await deps.local.put(cacheKey, sealed);
	}
	try {
		return JSON.parse(fromUtf8.decode(await decryptBlob(keys.index, sealed, blockAd(kind, address))));
	} catch (cause) {
		throw new IndexCorruptError({ cause });
	}
}

const isPeak = (p: unknown): p is IndexLogPeak =>
	typeof p === 'object' && p !== null && Number.isSafeInteger((p as IndexLogPeak).level) && (p as IndexLogPeak).level >= 0 && typeof (p as IndexLogPeak).cid === 'string';

function checkBody(b: BatchBody): void {
	if (!Array.isArray(b?.records) || typeof b.epochs !== 'object' || b.epochs === null) throw new Error('not a batch of index v2');
	for (const r of b.records) {
		if (typeof r?.id !== 'string' || typeof r.title !== 'string' || !isCategory(r.category) || !Array.isArray(r.attachments))
			throw new Error(`bad record entry ${String(r?.id)}`);
	}
	if (b.grants !== undefined && (!Array.isArray(b.grants) || !b.grants.every((g) => typeof g?.id === 'string'))) throw new Error('bad grants');
	if (b.remotes !== undefined && typeof b.remotes !== 'string') throw new Error('bad remote copies pointer');
}

/** Checks a decrypted batch block's shape; IndexCorruptError otherwise. */
export function decodeBatch(value: unknown): BatchBlock {
	try {
		const b = value as BatchBlock;
		if (b?.v !== 2 || b.kind !== 'batch' || !Array.isArray(b.prior)) throw new Error('not a batch block of index v2');
		checkBody(b);
		if (!b.prior.every(isPeak)) throw new Error('bad prior subtree');
		for (let i = 1; i < b.prior.length; i++) if (b.prior[i].level > b.prior[i - 1].level) throw new Error('prior subtrees out of order');
		return b;
	} catch (cause) {
		throw new IndexCorruptError({ cause });
	}
}

async function readNode(deps: IndexDeps, keys: VaultKeys, peak: IndexLogPeak): Promise<{ children: IndexLogPeak[]; batches?: BatchBody[] }> {
	const n = (await getSealed(deps, keys, 'node', peak.cid)) as NodeBlock;
	try {
		if (n?.v !== 2 || n.kind !== 'node' || n.level !== peak.level || !Array.isArray(n.children) || n.children.length !== INDEX_LOG_FANOUT || !n.children.every((c) => typeof c === 'string'))
			throw new Error(`bad node block at level ${peak.level}`);
		if (n.batches !== undefined) {
			if (n.level !== 1 || !Array.isArray(n.batches) || n.batches.length !== INDEX_LOG_FANOUT) throw new Error('bad batch copies in a node');
			n.batches.forEach(checkBody);
		}
	} catch (cause) {
		throw new IndexCorruptError({ cause });
	}
	return { children: n.children.map((cid) => ({ level: peak.level - 1, cid })), ...(n.batches ? { batches: n.batches } : {}) };
}

const leavesIn = (peaks: readonly IndexLogPeak[]) => peaks.reduce((n, p) => n + INDEX_LOG_FANOUT ** p.level, 0);

async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
	const out = new Array<R>(items.length);
	await forEachLimited(items, READ_CONCURRENCY, async (item, i) => {
		out[i] = await fn(item);
	});
	return out;
}

const isPeakItem = (x: IndexLogPeak | BatchBody): x is IndexLogPeak => 'cid' in x;

/**
 * Every batch under `peaks`, oldest first: the body itself where a node
 * carries it, else the batch block's CID. One level of nodes at a time,
 * read in parallel.
 */
async function batchSources(deps: IndexDeps, keys: VaultKeys, peaks: readonly IndexLogPeak[]): Promise<Array<IndexLogPeak | BatchBody>> {
	let frontier: Array<IndexLogPeak | BatchBody> = [...peaks];
	while (frontier.some((p) => isPeakItem(p) && p.level > 0))
		frontier = (
			await mapLimited(frontier, async (p) => {
				if (!isPeakItem(p) || p.level === 0) return [p];
				const node = await readNode(deps, keys, p);
				return node.batches ?? node.children;
			})
		).flat();
	return frontier;
}

/** The CID of batch block number `batch` in `log`, or null when the log has no such batch. */
export async function batchCidAt(deps: IndexDeps, keys: VaultKeys, log: IndexLog, batch: number): Promise<string | null> {
	const before = leavesIn(log.prior);
	if (!Number.isSafeInteger(batch) || batch < 0 || batch > before) return null;
	if (batch === before) return log.head;
	let offset = batch;
	for (const peak of log.prior) {
		const size = INDEX_LOG_FANOUT ** peak.level;
		if (offset >= size) {
			offset -= size;
			continue;
		}
		let node = peak;
		while (node.level > 0) {
			const childSize = INDEX_LOG_FANOUT ** (node.level - 1);
			node = (await readNode(deps, keys, node)).children[Math.floor(offset / childSize)];
			offset %= childSize;
		}
		return node.cid;
	}
	return null;
}

/**
 * Every block of the index log (the head, each node, each batch block, also
 * those a node carries a copy of: proofs read them), oldest batch first: what
 * a backup or a remote copy must hold for the index to be read again.
 */
export async function indexBlockCids(deps: IndexDeps, keys: VaultKeys, log: IndexLog): Promise<string[]> {
	const out: string[] = [];
	let frontier = [...log.prior];
	while (frontier.length > 0) {
		const next: IndexLogPeak[][] = await mapLimited(frontier, async (p) => (p.level === 0 ? [] : (await readNode(deps, keys, p)).children));
		out.push(...frontier.map((p) => p.cid));
		frontier = next.flat();
	}
	out.push(log.head);
	return out;
}

/**
 * The CIDs of every stored block of the index as this vault holds it (none
 * for a vault that never committed): what a backup must hold to load the
 * index. Kept beside loadIndex so a change of index format changes both.
 */
export async function indexRootCids(deps: IndexDeps, keys: VaultKeys, index: VaultIndex): Promise<string[]> {
	return index.log ? indexBlockCids(deps, keys, index.log) : [];
}

/** Reads and checks one batch block. */
export async function readBatch(deps: IndexDeps, keys: VaultKeys, cid: string): Promise<BatchBlock> {
	return decodeBatch(await getSealed(deps, keys, 'batch', cid));
}

/**
 * Reads the record index: the chain's encrypted pointer names the latest
 * batch block; its `prior` subtrees name every earlier one. Blocks are read
 * from this device when present (by CID, so never stale), IPFS otherwise.
 */
export async function loadIndex(deps: Pick<VaultDeps, 'chain' | 'blobs' | 'local' | 'signer'>, keys: VaultKeys): Promise<VaultIndex> {
	const address = deps.signer.address;
	const encryptedPointer = await deps.chain.readIndexPointer(address);
	if (!encryptedPointer) return emptyIndex();
	let head: string;
	try {
		head = fromUtf8.decode(await decryptBlob(keys.index, encryptedPointer, pointerAd(address)));
	} catch (cause) {
		throw new IndexCorruptError({ cause });
	}
	const last = await readBatch(deps, keys, head);
	const earlier = await mapLimited(await batchSources(deps, keys, last.prior), async (s) => (isPeakItem(s) ? readBatch(deps, keys, s.cid) : s));
	return foldBatches([...earlier, last], { head, prior: last.prior });
}

/**
 * The index the batches add up to, oldest first: records in batch order (a
 * record listed again keeps every attachment), each marked with its batch
 * number; the highest epoch per category; each grant as last written (a
 * revocation seen once stays seen).
 */
function foldBatches(batches: BatchBody[], at: { head: string; prior: IndexLogPeak[] }): VaultIndex {
	const records = new Map<string, VaultRecord>();
	const epochs: Partial<Record<Category, number>> = {};
	const grants = new Map<string, GrantRecord>();
	let remotes: string | undefined;
	batches.forEach((b, batch) => {
		if (b.remotes !== undefined) remotes = b.remotes;
		for (const r of b.records) {
			const known = records.get(r.id);
			if (!known) records.set(r.id, { ...r, batch });
			else {
				const ids = new Set(known.attachments.map((a) => a.id));
				records.set(r.id, { ...known, attachments: [...known.attachments, ...r.attachments.filter((a) => !ids.has(a.id))] });
			}
		}
		for (const [c, n] of Object.entries(b.epochs) as Array<[Category, number | undefined]>)
			if (typeof n === 'number') epochs[c] = Math.max(epochs[c] ?? 0, n);
		for (const g of b.grants ?? []) {
			const before = grants.get(g.id);
			const rotated = [...new Set([...(before?.rotated ?? []), ...(g.rotated ?? [])])];
			grants.set(g.id, { ...before, ...g, ...(rotated.length > 0 ? { rotated } : {}) });
		}
	});
	const all = [...grants.values()];
	return {
		v: 1,
		records: [...records.values()],
		epochs,
		batches: batches.length,
		...(all.length > 0 ? { grants: all } : {}),
		...(remotes ? { remotes } : {}),
		log: { head: at.head, prior: at.prior, committedGrants: Object.fromEntries(all.map((g) => [g.id, canonicalJson(g)])) }
	};
}

/** Adds `peak` after `peaks`, folding every FANOUT complete subtrees of one level into a node (stored). */
async function pushPeak(deps: IndexDeps, keys: VaultKeys, peaks: readonly IndexLogPeak[], peak: IndexLogPeak): Promise<IndexLogPeak[]> {
	const out = [...peaks, peak];
	while (out.length >= INDEX_LOG_FANOUT) {
		const tail = out.slice(-INDEX_LOG_FANOUT);
		const level = tail[0].level;
		if (!tail.every((p) => p.level === level)) break;
		const node: NodeBlock = { v: 2, kind: 'node', level: level + 1, children: tail.map((p) => p.cid) };
		if (level === 0) {
			// This device wrote most of them, so they are usually read from its local store.
			const bodies = (await mapLimited(tail, (p) => readBatch(deps, keys, p.cid))).map(({ records, epochs, grants, remotes }) => ({ records, epochs, ...(grants ? { grants } : {}), ...(remotes ? { remotes } : {}) }));
			if (utf8.encode(JSON.stringify(bodies)).length <= NODE_CONTENT_LIMIT) node.batches = bodies;
		}
		const cid = await putSealed(deps, keys, node);
		out.splice(-INDEX_LOG_FANOUT, INDEX_LOG_FANOUT, { level: level + 1, cid });
	}
	return out;
}

/**
 * Appends `fresh` to the log of `base` as batch number `base.batches`:
 * stores its sealed batch block (and a node when a level fills up), nothing
 * that is already stored. Returns the index that lists them and the encrypted
 * pointer to the new head, for the chain.
 */
export async function appendBatch(
	deps: IndexDeps,
	keys: VaultKeys,
	base: VaultIndex,
	fresh: VaultRecord[]
): Promise<{ index: VaultIndex; encryptedPointer: Uint8Array; head: string }> {
	const address = deps.signer.address;
	const batch = base.batches;
	const prior = base.log ? await pushPeak(deps, keys, base.log.prior, { level: 0, cid: base.log.head }) : [];
	if (leavesIn(prior) !== batch) throw new IndexCorruptError({ cause: new Error(`index lists ${batch} batches, its log ${leavesIn(prior)}`) });
	const grants = base.grants ?? [];
	const committed = base.log?.committedGrants ?? {};
	const changed = grants.filter((g) => committed[g.id] !== canonicalJson(g));
	const block: BatchBlock = {
		v: 2,
		kind: 'batch',
		prior,
		// The position in the log is the batch number: not stored, so it cannot disagree.
		records: fresh.map(({ batch: _, ...r }) => r),
		epochs: base.epochs,
		...(changed.length > 0 ? { grants: changed } : {}),
		...(base.remotes ? { remotes: base.remotes } : {})
	};
	const head = await putSealed(deps, keys, block);
	const encryptedPointer = await encryptBlob(keys.index, utf8.encode(head), pointerAd(address));
	const index: VaultIndex = {
		...base,
		records: [...base.records, ...fresh.map((r) => ({ ...r, batch }))],
		batches: batch + 1,
		log: { head, prior, committedGrants: Object.fromEntries(grants.map((g) => [g.id, canonicalJson(g)])) }
	};
	return { index, encryptedPointer, head };
}

/**
 * Merges our view of the index into a newer one read from the chain (another
 * tab or device committed meanwhile), losing nothing from either: records and
 * grants are a union by id (the newer index's entries first, in its order,
 * then ours), a record both hold keeps every attachment (each with its own
 * sealed key and manifest), key epochs take the higher value per category,
 * and the batch count and log position are the newer index's, which are the
 * chain's (the next commit appends our batch after that head).
 * Deterministic: the same two indexes always give the same result.
 */
export function mergeIndexes(newer: VaultIndex, ours: VaultIndex): VaultIndex {
	const records = new Map<string, VaultRecord>();
	for (const r of newer.records) records.set(r.id, r);
	for (const r of ours.records) {
		const theirs = records.get(r.id);
		if (!theirs) records.set(r.id, r);
		else {
			const known = new Set(theirs.attachments.map((a) => a.id));
			const extra = r.attachments.filter((a) => !known.has(a.id));
			if (extra.length > 0) records.set(r.id, { ...theirs, attachments: [...theirs.attachments, ...extra] });
		}
	}

	const epochs: Partial<Record<Category, number>> = { ...newer.epochs };
	for (const [c, n] of Object.entries(ours.epochs) as Array<[Category, number | undefined]>)
		epochs[c] = Math.max(epochs[c] ?? 0, n ?? 0);

	let grants: GrantRecord[] | undefined;
	if (newer.grants || ours.grants) {
		const byId = new Map<string, GrantRecord>();
		for (const g of newer.grants ?? []) byId.set(g.id, g);
		for (const g of ours.grants ?? []) {
			const theirs = byId.get(g.id);
			if (!theirs) {
				byId.set(g.id, g);
				continue;
			}
			// A revocation seen on either side stays seen: its categories moved epoch.
			const rotated = [...new Set([...(theirs.rotated ?? []), ...(g.rotated ?? [])])];
			byId.set(g.id, { ...g, ...theirs, ...(rotated.length > 0 ? { rotated } : {}) });
		}
		grants = [...byId.values()];
	}

	return {
		...ours,
		...newer,
		records: [...records.values()],
		epochs,
		batches: newer.batches,
		...(grants ? { grants } : {})
	};
}
