import type { OpenVault } from '../vault/deps';
import { exportBackup, type BackupDeps } from '../vault/backup/exportBackup';
import { importBackup, type ImportPhase } from '../vault/backup/importBackup';
import type { BackupProgress, ByteSink, ByteSource } from '../vault/backup/ports';
import { noticeOf, type Notice } from './notice';

export interface BackupPorts {
	/** The backup adapters for the connected account (chain, signer, CAR over the blockstore). */
	deps(): Promise<BackupDeps>;
	/** The unlocked vault (VaultLockedError when locked): export needs its keys and index. */
	vault(): Promise<OpenVault>;
	/** Opens where the file goes (save dialog or staging file); called first thing in the click. */
	saveFile(name: string): Promise<ByteSink>;
	/** Runs after an import was stored, e.g. to look for the vault again so it can be unlocked. */
	afterImport?(): Promise<void>;
}

export type BackupTask = 'export' | 'import';

/** What the Backup page shows: one export or import at a time, its progress, and how it ended. */
export class BackupState {
	#ports: BackupPorts;
	#task = $state<BackupTask | null>(null);
	#phase = $state<ImportPhase | 'writing' | null>(null);
	#progress = $state<BackupProgress | null>(null);
	#notice = $state<Notice | null>(null);
	#controller: AbortController | null = null;

	constructor(ports: BackupPorts) {
		this.#ports = ports;
	}

	get task() { return this.#task; }
	get phase() { return this.#phase; }
	get progress() { return this.#progress; }
	get notice() { return this.#notice; }

	/** Stops the export or import under way; nothing partial is kept. */
	cancel(): void {
		this.#controller?.abort(new DOMException('The backup was cancelled.', 'AbortError'));
	}

	/** Writes the whole vault into one .car file, streamed to disk. */
	async export(now = new Date()): Promise<boolean> {
		const name = `carevault-backup-${now.toISOString().slice(0, 10)}.car`;
		return this.#run('export', async (signal) => {
			// The save dialog first: it needs the click's user activation.
			const sink = await this.#ports.saveFile(name);
			let vault: OpenVault;
			try {
				vault = await this.#ports.vault();
			} catch (err) {
				await sink.abort(err).catch(() => {});
				throw err;
			}
			this.#phase = 'writing';
			const done = await exportBackup(await this.#ports.deps(), vault, sink, { signal, now, onProgress: (p) => { this.#progress = p; } });
			return `Backup saved as ${name}: ${done.blocks} blocks, ${(done.bytes / 1048576).toFixed(1)} MiB. Keep it somewhere other than this device.`;
		});
	}

	/** Checks a backup file whole, then stores it on this device; the vault then unlocks as usual. */
	async import(file: { size: number; stream(): AsyncIterable<Uint8Array> }): Promise<boolean> {
		return this.#run('import', async (signal) => {
			const deps = await this.#ports.deps();
			const source: ByteSource = () => file.stream();
			const done = await importBackup(deps, source, {
				signal,
				size: file.size,
				onProgress: (phase, p) => {
					this.#phase = phase;
					this.#progress = p;
				}
			});
			await this.#ports.afterImport?.();
			return `Backup restored on this device (${done.blocks} blocks). Unlock your vault with your wallet or your recovery code.`;
		});
	}

	dismiss(): void { this.#notice = null; }

	async #run(task: BackupTask, work: (signal: AbortSignal) => Promise<string>): Promise<boolean> {
		if (this.#task) return false;
		const controller = new AbortController();
		this.#controller = controller;
		this.#task = task;
		this.#notice = null;
		this.#progress = null;
		try {
			this.#notice = { kind: 'success', text: await work(controller.signal) };
			return true;
		} catch (err) {
			// Closing the save dialog or pressing Cancel is a choice, not a failure.
			if (err instanceof DOMException && err.name === 'AbortError')
				this.#notice = { kind: 'cancelled', text: task === 'export' ? 'Backup cancelled. No file was kept.' : 'Import cancelled. Your vault on this device is unchanged.' };
			else this.#notice = noticeOf(err);
			return false;
		} finally {
			this.#task = null;
			this.#phase = null;
			this.#progress = null;
			this.#controller = null;
		}
	}
}
