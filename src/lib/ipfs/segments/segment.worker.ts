/**
 * The segment blockstore's worker: it alone holds the OPFS sync access
 * handles and the index, and answers the page's WorkerBlockstore.
 */
import { CID } from 'multiformats/cid';
import { opfsSegmentDir, opfsUnavailableReason } from './opfsFiles';
import { openIdbSegmentIndex } from './segmentIndex';
import { SegmentBlockstore } from './segmentStore';
import type { WorkerReply, WorkerRequest } from './workerBlockstore';
import { importEncryptedFile } from './importEncrypted';

let store: SegmentBlockstore | null = null;
/** Imports under way, by request id, so the page can cancel one. */
const imports = new Map<number, AbortController>();
const scope = self as unknown as { onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null; postMessage(msg: WorkerReply, transfer?: Transferable[]): void };

async function handle(req: WorkerRequest): Promise<{ value?: unknown; transfer?: Transferable[] }> {
	if (req.op === 'open') {
		const reason = opfsUnavailableReason();
		if (reason) return { value: { unavailable: reason } };
		try {
			store = await SegmentBlockstore.open({ dir: await opfsSegmentDir(req.name), index: await openIdbSegmentIndex(`${req.name}-index`) });
		} catch (err) {
			// Another tab holds the files (a sync access handle is exclusive), or OPFS is blocked.
			return { value: { unavailable: `the segment files could not be opened (${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? err})` } };
		}
		return { value: { ok: true } };
	}
	if (!store) throw new Error('The block store is not open.');
	switch (req.op) {
		case 'import': {
			const controller = new AbortController();
			imports.set(req.id, controller);
			let reported = 0;
			let last = 0;
			try {
				const cid = await importEncryptedFile(store, req.cipher, req.file, {
					key: req.key,
					ad: req.ad,
					chunkSize: req.chunkSize,
					signal: controller.signal,
					onProgress: (done) => {
						last = done;
						// One message per 4 MiB is smooth enough for a progress bar and spares the page's thread.
						if (done - reported < 4 * 1024 * 1024) return;
						reported = done;
						scope.postMessage({ id: req.id, progress: done });
					}
				});
				if (last !== reported) scope.postMessage({ id: req.id, progress: last });
				return { value: cid.bytes };
			} finally {
				imports.delete(req.id);
				// This worker's copy of the data key (the cipher worker wipes its own).
				req.key.fill(0);
				req.cipher.close();
			}
		}
		case 'abort':
			imports.get(req.target)?.abort(new DOMException('The add was cancelled.', 'AbortError'));
			return {};
		case 'put':
			await store.put(CID.decode(req.cid), req.bytes);
			return {};
		case 'get': {
			const bytes = await store.read(CID.decode(req.cid));
			return { value: bytes, transfer: [bytes.buffer] };
		}
		case 'has':
			return { value: await store.has(CID.decode(req.cid)) };
		case 'delete':
			await store.delete(CID.decode(req.cid));
			return {};
		case 'cids': {
			const out: Uint8Array[] = [];
			for await (const cid of store.cids()) out.push(cid.bytes);
			return { value: out };
		}
		case 'stats':
			return { value: store.stats() };
		case 'compact':
			await store.compact();
			return {};
		case 'close':
			await store.close();
			store = null;
			return {};
	}
}

scope.onmessage = (e) => {
	const req = e.data;
	handle(req).then(
		({ value, transfer }) => scope.postMessage({ id: req.id, value }, transfer ?? []),
		(err: unknown) => {
			const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) };
			scope.postMessage({ id: req.id, error: { name, message } });
		}
	);
};
