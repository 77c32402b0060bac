import type { ByteSink } from '../vault/backup/ports';

/** Files made by the OPFS fallback start with this; a later save removes the ones left behind. */
const STAGING_PREFIX = 'carevault-save-';

type SavePicker = (options: { suggestedName?: string; types?: Array<{ description: string; accept: Record<string, string[]> }> }) => Promise<FileSystemFileHandle>;

export interface SaveFileOptions {
	/** The file name offered to the person. */
	name: string;
	/** For the save dialog's file type filter, e.g. { description: 'CAR backup', accept: { 'application/vnd.ipld.car': ['.car'] } }. */
	type?: { description: string; accept: Record<string, string[]> };
	/** `window` by default; tests pass a stand-in. */
	window?: Window & { showSaveFilePicker?: SavePicker };
}

/**
 * Where a large download is written without holding it in memory: the file
 * the person picks (File System Access API, Chromium), or else a file in the
 * origin's private file system that is handed to the browser's download once
 * complete (the browser reads it from disk). Must be called from a click:
 * the save dialog needs the click's user activation, so call it before any
 * other await. Rejects with an AbortError DOMException when the person
 * closes the save dialog.
 */
export async function openSaveFile(options: SaveFileOptions): Promise<ByteSink> {
	const win = options.window ?? (window as SaveFileOptions['window'])!;
	if (typeof win.showSaveFilePicker === 'function') {
		const handle = await win.showSaveFilePicker({ suggestedName: options.name, ...(options.type ? { types: [options.type] } : {}) });
		return writableSink(await handle.createWritable());
	}
	const root = await win.navigator.storage.getDirectory();
	await removeLeftovers(root);
	const stagingName = `${STAGING_PREFIX}${Date.now()}-${crypto.randomUUID()}`;
	const handle = await root.getFileHandle(stagingName, { create: true });
	let writable: FileSystemWritableFileStream;
	try {
		writable = await handle.createWritable();
	} catch (err) {
		await root.removeEntry(stagingName).catch(() => {});
		throw err;
	}
	const inner = writableSink(writable);
	return {
		write: inner.write,
		async close() {
			await inner.close();
			// A File from the private file system is read from disk, not memory. It stays until the
			// next save removes it: removing it now would cut the download the browser is reading.
			const file = await handle.getFile();
			const url = URL.createObjectURL(file);
			const a = win.document.createElement('a');
			a.href = url;
			a.download = options.name;
			a.rel = 'noopener';
			a.click();
			setTimeout(() => URL.revokeObjectURL(url), 60_000);
		},
		async abort(reason) {
			await inner.abort(reason);
			await root.removeEntry(stagingName).catch(() => {});
		}
	};
}

function writableSink(writable: FileSystemWritableFileStream): ByteSink {
	return {
		write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
		close: () => writable.close(),
		abort: (reason) => writable.abort(reason)
	};
}

async function removeLeftovers(root: FileSystemDirectoryHandle): Promise<void> {
	const names: string[] = [];
	// An hour old: a download the browser may still be reading is younger than that.
	const before = Date.now() - 3_600_000;
	for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys())
		if (name.startsWith(STAGING_PREFIX) && Number(name.slice(STAGING_PREFIX.length).split('-')[0]) < before) names.push(name);
	await Promise.all(names.map((n) => root.removeEntry(n).catch(() => {})));
}
