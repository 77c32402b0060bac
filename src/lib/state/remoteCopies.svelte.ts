import type { OpenVault, Ports } from '../vault/deps';
import type { VaultAccess } from './vault.svelte';
import type { VaultRecord } from '../records/model';
import type { RemoteCopy } from '../vault/remote/ports';
import { CopyQueue, type CopyState } from '../vault/remote/queue';
import { loadRemoteCopies, newRemoteCopy, saveRemoteCopies } from '../vault/remote/settings';
import { recordRoots, vaultCopyRoots } from '../vault/remote/roots';
import { RemoteCopyUnavailableError } from '../vault/remote/errors';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';

/** A record's copies as the list shows them. */
export type RecordCopyView =
	| { kind: 'local' }
	| { kind: 'pending'; to: string[] }
	| { kind: 'copied'; to: string[] }
	| { kind: 'failed'; errors: Array<{ name: string; error: string }> };

/** What a remote copy looks like to the page: never the token. */
export interface RemoteCopyView {
	id: string;
	name: string;
	endpoint: string;
	/** The token's last four characters, so the patient can tell two apart. */
	tokenHint: string;
}

export interface RemoteCopiesSources {
	ports: () => Promise<Ports>;
	vault: Pick<VaultAccess, 'get' | 'change'>;
	/** The site config's suggested Pinning Service API endpoint (pinning.endpoint), or null. */
	suggested: string | null;
}

/**
 * The patient's remote copies (Settings) and where every part of the vault
 * stands with them (each record, the home page). The app calls `track` after
 * every unlock and change of the vault: it enqueues the vault's roots and
 * returns at once, so adding a record never waits on a remote copy.
 */
export class RemoteCopiesState {
	readonly suggested: string | null;
	#sources: RemoteCopiesSources;
	#remotes = $state.raw<RemoteCopy[]>([]);
	#roots = $state.raw<string[]>([]);
	// Bumped by the queue on every change: getters read it to follow the queue.
	#version = $state(0);
	#queue: CopyQueue | null = null;
	#ready: Promise<CopyQueue> | null = null;
	#ui = new Busy();
	#tested = $state.raw<Record<string, { ok: boolean; text: string }>>({});
	#stopped = false;

	constructor(sources: RemoteCopiesSources) {
		this.#sources = sources;
		this.suggested = sources.suggested;
	}

	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }
	get remotes(): RemoteCopyView[] {
		return this.#remotes.map((r) => ({ id: r.id, name: r.name, endpoint: r.endpoint, tokenHint: r.token.slice(-4) }));
	}
	/** Each remote's last Test connection result, by id ('new' for the form). */
	get tested() { return this.#tested; }

	/** How many of the vault's parts (record files, index blocks, key header, grant bundles) are not yet on every remote copy. */
	get pending(): { notCopied: number; failed: number; total: number } {
		void this.#version;
		const total = this.#roots.length;
		if (!this.#queue || this.#remotes.length === 0) return { notCopied: total, failed: 0, total };
		return { ...this.#queue.count(this.#roots), total };
	}

	/** Where one record's files stand: only on this device, being copied, copied (to which), or failed (why). */
	recordState(record: VaultRecord): RecordCopyView {
		void this.#version;
		if (!this.#queue || this.#remotes.length === 0) return { kind: 'local' };
		const roots = recordRoots(record);
		const byRemote = this.#remotes.map((remote) => {
			const states = roots.map((cid) => this.#queue!.stateOf(cid).find((s) => s.remote.id === remote.id)?.state ?? ({ state: 'pending' } as CopyState));
			const failed = states.find((s) => s.state === 'failed');
			return { remote, failed, copied: states.every((s) => s.state === 'copied') };
		});
		const errors = byRemote.flatMap((r) => (r.failed?.state === 'failed' ? [{ name: r.remote.name, error: r.failed.error }] : []));
		if (errors.length > 0) return { kind: 'failed', errors };
		const copied = byRemote.filter((r) => r.copied).map((r) => r.remote.name);
		if (copied.length === byRemote.length) return { kind: 'copied', to: copied };
		return { kind: 'pending', to: byRemote.map((r) => r.remote.name) };
	}

	/** Loads the settings and the saved queue (once), then enqueues every root of `vault`. Never throws. */
	async track(vault: OpenVault): Promise<void> {
		try {
			const queue = await this.#load(vault);
			const ports = await this.#sources.ports();
			const roots = await vaultCopyRoots(ports, vault);
			if (this.#stopped) return;
			this.#roots = roots;
			queue.enqueue(roots);
		} catch (err) {
			this.#ui.notice = { kind: 'error', text: `Remote copies could not be updated: ${messageOf(err)}` };
		}
	}

	/** Settings page: reads the list for this unlock. */
	async load(): Promise<void> {
		await this.#ui.run('Reading your remote copies…', async () => {
			await this.#load(await this.#sources.vault.get());
		});
	}

	/** Checks an endpoint and token (a new one from the form, or a saved one by id) and says plainly what is wrong. */
	async test(target: { id: string } | { endpoint: string; token: string; name?: string }): Promise<boolean> {
		const key = 'id' in target ? target.id : 'new';
		let ok = false;
		await this.#ui.run('Testing the connection…', async () => {
			const remote = 'id' in target ? this.#remotes.find((r) => r.id === target.id) : newRemoteCopy(target);
			if (!remote) return;
			try {
				await (await this.#port()).client(remote).check({ signal: AbortSignal.timeout(20_000) });
				ok = true;
				this.#tested = { ...this.#tested, [key]: { ok: true, text: `Connected: ${remote.endpoint} accepted the access token.` } };
			} catch (err) {
				this.#tested = { ...this.#tested, [key]: { ok: false, text: messageOf(err) } };
			}
		});
		return ok;
	}

	/** Adds a remote copy and starts copying the whole vault to it. */
	async add(input: { name?: string; endpoint: string; token: string }): Promise<boolean> {
		return this.#ui.run('Saving the remote copy…', async () => {
			const remote = newRemoteCopy(input);
			const queue = await this.#load(await this.#sources.vault.get());
			await this.#save([...this.#remotes, remote]);
			queue.enqueue(this.#roots);
			this.#ui.notice = {
				kind: 'success',
				text: `${remote.name} added: your vault is being copied to it. Your other devices learn of it with the next record you add.`
			};
		});
	}

	async remove(id: string): Promise<boolean> {
		return this.#ui.run('Removing the remote copy…', async () => {
			const queue = await this.#load(await this.#sources.vault.get());
			await this.#save(this.#remotes.filter((r) => r.id !== id));
			queue.forget(id);
			this.#ui.notice = { kind: 'info', text: 'Removed. What it already holds stays there until you delete it at the service.' };
		});
	}

	/** Tries failed copies again (one record's, or all). */
	retry(record?: VaultRecord): void {
		this.#queue?.retry(record ? recordRoots(record) : undefined);
	}

	/** Resolves when nothing is pending (tests). */
	async idle(): Promise<void> {
		await this.#queue?.idle();
	}

	/** Stops copying: the vault was locked (pending copies resume after the next unlock). */
	stop(): void {
		this.#stopped = true;
		this.#queue?.stop();
	}

	/** Keeps the sealed list on this device and on IPFS, and names it in the index (it travels with the next commit). */
	async #save(next: RemoteCopy[]): Promise<void> {
		const ports = await this.#sources.ports();
		await this.#sources.vault.change(async (vault) => {
			const cid = await saveRemoteCopies(ports, vault.keys, next);
			return { vault: { ...vault, index: { ...vault.index, remotes: cid } }, added: [], value: null };
		});
		this.#remotes = next;
		// The new sealed list is a root too: queued before this returns, so `idle` waits for it.
		await this.track(await this.#sources.vault.get());
	}

	async #port() {
		const ports = await this.#sources.ports();
		if (!ports.remote) throw new RemoteCopyUnavailableError();
		return ports.remote;
	}

	#load(vault: OpenVault): Promise<CopyQueue> {
		this.#ready ??= (async () => {
			const ports = await this.#sources.ports();
			this.#remotes = await loadRemoteCopies(ports, vault.keys, vault.index);
			const queue = new CopyQueue({
				local: ports.local,
				address: ports.signer.address,
				remotes: () => this.#remotes,
				client: (remote) => {
					if (!ports.remote) throw new RemoteCopyUnavailableError();
					return ports.remote.client(remote);
				},
				onChange: () => { this.#version++; }
			});
			await queue.load();
			if (this.#stopped) queue.stop();
			this.#queue = queue;
			this.#version++;
			queue.resume();
			return queue;
		})();
		this.#ready.catch(() => { this.#ready = null; });
		return this.#ready;
	}
}
