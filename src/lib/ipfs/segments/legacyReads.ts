import type { Blockstore, Pair } from 'interface-blockstore';
import type { CID } from 'multiformats/cid';

type AbortOptions = { signal?: AbortSignal };

/**
 * Writes go to `primary`; a block missing there is looked up in `legacy`
 * (the IndexedDB store of an earlier version), so moving to the segment
 * store loses nothing and needs no migration pass.
 */
export function withLegacyReads(primary: Blockstore, legacy: Blockstore): Blockstore {
	const has = async (cid: CID, options?: AbortOptions) => (await primary.has(cid, options)) || (await legacy.has(cid, options));
	async function* get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
		const from = (await primary.has(cid, options)) ? primary : legacy;
		yield* from.get(cid, options);
	}
	return {
		has,
		get,
		put: (cid, bytes, options) => primary.put(cid, bytes, options),
		putMany: (source, options) => primary.putMany(source, options),
		async *getMany(source, options): AsyncGenerator<Pair> {
			for await (const cid of source) {
				const parts: Uint8Array[] = [];
				for await (const p of get(cid, options)) parts.push(p);
				yield { cid, bytes: (async function* () { yield* parts; })() };
			}
		},
		async *getAll(options) {
			yield* primary.getAll(options);
			for await (const pair of legacy.getAll(options)) if (!(await primary.has(pair.cid))) yield pair;
		},
		async delete(cid, options) {
			await primary.delete(cid, options);
			await legacy.delete(cid, options);
		},
		async *deleteMany(source, options) {
			for await (const cid of source) {
				await primary.delete(cid, options);
				await legacy.delete(cid, options);
				yield cid;
			}
		}
	};
}
