/**
 * `SegmentDir` over the Origin Private File System, for the segment worker:
 * each segment is a file read and written through a `FileSystemSyncAccessHandle`,
 * which only dedicated workers get.
 */
import type { SegmentDir, SegmentFile } from './format';

/** The part of FileSystemSyncAccessHandle we use (not in TypeScript's DOM lib). */
interface SyncAccessHandle {
	read(buf: Uint8Array, options: { at: number }): number;
	write(buf: Uint8Array, options: { at: number }): number;
	getSize(): number;
	truncate(size: number): void;
	flush(): void;
	close(): void;
}
type SyncFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> };

/** Why this context cannot use the segment store, or null if it can. */
export function opfsUnavailableReason(): string | null {
	if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return 'this browser has no Origin Private File System';
	if (typeof FileSystemFileHandle === 'undefined' || !('createSyncAccessHandle' in FileSystemFileHandle.prototype)) {
		return 'this browser has no synchronous file access in workers';
	}
	return null;
}

export async function opfsSegmentDir(name: string): Promise<SegmentDir> {
	const root = await navigator.storage.getDirectory();
	const dir = await root.getDirectoryHandle(name, { create: true });
	return {
		async list() {
			const ids: number[] = [];
			for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
				const m = /^(\d+)\.seg$/.exec(key);
				if (m) ids.push(Number(m[1]));
			}
			return ids;
		},
		async open(id) {
			const file = (await dir.getFileHandle(`${id}.seg`, { create: true })) as SyncFileHandle;
			// A sync access handle is exclusive. Right after a reload the old page's worker may
			// still hold it for a moment: wait for it (about 6 s in all) before giving up, so a
			// reload never falls back to a store without this vault's blocks.
			for (let wait = 50; ; wait *= 2) {
				try {
					return wrap(await file.createSyncAccessHandle());
				} catch (err) {
					const name = (err as Error)?.name;
					if ((name !== 'NoModificationAllowedError' && name !== 'InvalidStateError') || wait > 3200) throw err;
					await new Promise((resolve) => setTimeout(resolve, wait));
				}
			}
		},
		async remove(id) {
			await dir.removeEntry(`${id}.seg`).catch((err: unknown) => {
				if ((err as Error)?.name !== 'NotFoundError') throw err;
			});
		}
	};
}

function wrap(handle: SyncAccessHandle): SegmentFile {
	return {
		read: (buf, at) => handle.read(buf, { at }),
		write: (buf, at) => handle.write(buf, { at }),
		size: () => handle.getSize(),
		truncate: (size) => handle.truncate(size),
		flush: () => handle.flush(),
		close: () => handle.close()
	};
}
