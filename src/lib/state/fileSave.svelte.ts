import type { ByteSink } from '../vault/backup/ports';
import { noticeOf, type Notice } from './notice';

export interface FileSavePorts {
	/** Opens where the file goes (save dialog or staging file); called first thing in the click. */
	saveFile(name: string): Promise<ByteSink>;
	/** Streams the plaintext into the sink (VaultState.saveTo, or a shared record's equivalent). */
	save(sink: ByteSink, options: { signal: AbortSignal; onProgress: (done: number, total: number) => void }): Promise<void>;
}

/** One "save to disk" of a decrypted file: progress, cancel, and how it ended. */
export class FileSave {
	#ports: FileSavePorts;
	#progress = $state<{ done: number; total: number } | null>(null);
	#saving = $state(false);
	#notice = $state<Notice | null>(null);
	#controller: AbortController | null = null;

	constructor(ports: FileSavePorts) {
		this.#ports = ports;
	}

	get saving() { return this.#saving; }
	get progress() { return this.#progress; }
	get notice() { return this.#notice; }

	cancel(): void {
		this.#controller?.abort(new DOMException('Saving was cancelled.', 'AbortError'));
	}

	async save(name: string): Promise<boolean> {
		if (this.#saving) return false;
		const controller = (this.#controller = new AbortController());
		this.#saving = true;
		this.#notice = null;
		try {
			const sink = await this.#ports.saveFile(name);
			await this.#ports.save(sink, { signal: controller.signal, onProgress: (done, total) => { this.#progress = { done, total }; } });
			this.#notice = { kind: 'success', text: `Saved ${name}.` };
			return true;
		} catch (err) {
			this.#notice = err instanceof DOMException && err.name === 'AbortError' ? { kind: 'cancelled', text: 'Saving cancelled. No file was kept.' } : noticeOf(err);
			return false;
		} finally {
			this.#saving = false;
			this.#progress = null;
			this.#controller = null;
		}
	}
}
