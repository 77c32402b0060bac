import { messageOf } from '../../errors';
import type { Hex, LocalStore } from '../ports';
import type { PinningClient, RemoteCopy } from './ports';

/** Where one root CID stands with one remote copy. */
export type CopyState =
	| { state: 'pending' }
	| { state: 'copied'; at: number }
	| { state: 'failed'; error: string; at: number };

export const copyQueueKey = (address: Hex) => `remote-copy-queue:${address.toLowerCase()}`;

export interface CopyQueueOptions {
	/** The device store: the queue survives a reload and resumes after the next unlock. */
	local: LocalStore;
	address: Hex;
	/** The remote copies now configured (the queue follows additions and removals). */
	remotes: () => readonly RemoteCopy[];
	client: (remote: RemoteCopy) => PinningClient;
	/** Called after every change of state, for the UI. */
	onChange?: () => void;
	/** Pins asked for at once, over all remotes. @default 2 */
	concurrency?: number;
	now?: () => number;
}

interface Stored {
	v: 1;
	/** remote id -> root CID -> state */
	items: Record<string, Record<string, CopyState>>;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * Pins a vault's root CIDs to every remote copy, in the background. Adding a
 * record only enqueues its CIDs (`enqueue` never waits on the network and
 * never throws for a remote's failure): each pin runs later, at most
 * `concurrency` at a time, and ends `copied` or `failed` with the service's
 * reason. The state is kept in the device store, so pins still pending when
 * the tab closed run again after the next unlock (`load` then `resume`).
 * Pins are idempotent at the service, so one asked twice costs nothing.
 */
export class CopyQueue {
	readonly #o: CopyQueueOptions;
	#items = new Map<string, Map<string, CopyState>>();
	#running = new Set<string>();
	#controller = new AbortController();
	#saving: Promise<void> = Promise.resolve();
	#dirty = false;
	#idle: Array<() => void> = [];

	constructor(options: CopyQueueOptions) {
		this.#o = options;
	}

	/** Reads the saved queue; a damaged one is dropped (the next enqueue of the vault's roots rebuilds it). */
	async load(): Promise<void> {
		const bytes = await this.#o.local.get(copyQueueKey(this.#o.address));
		this.#items.clear();
		if (!bytes) return;
		try {
			const stored = JSON.parse(fromUtf8.decode(bytes)) as Stored;
			if (stored?.v !== 1 || typeof stored.items !== 'object') return;
			for (const [remote, cids] of Object.entries(stored.items)) this.#items.set(remote, new Map(Object.entries(cids)));
		} catch {
			this.#items.clear();
		}
	}

	/** Adds `cids` for every remote that does not have them yet; starts pinning. Never throws for the network. */
	enqueue(cids: Iterable<string>): void {
		const list = [...cids];
		let changed = false;
		for (const remote of this.#o.remotes()) {
			const items = this.#of(remote.id);
			for (const cid of list) {
				if (items.has(cid)) continue;
				items.set(cid, { state: 'pending' });
				changed = true;
			}
		}
		if (changed) this.#changed();
		this.#pump();
	}

	/** Sends failed pins (all, or those of `cids`) again. */
	retry(cids?: Iterable<string>): void {
		const only = cids ? new Set(cids) : null;
		for (const items of this.#items.values())
			for (const [cid, s] of items) if (s.state === 'failed' && (!only || only.has(cid))) items.set(cid, { state: 'pending' });
		this.#changed();
		this.#pump();
	}

	/** Starts whatever is pending (after load, or after a remote was added). */
	resume(): void {
		this.#pump();
	}

	/** Forgets a removed remote's states. */
	forget(remoteId: string): void {
		this.#items.delete(remoteId);
		this.#changed();
	}

	/** Each configured remote's state for `cid` (absent from a remote: not asked yet, shown as pending). */
	stateOf(cid: string): Array<{ remote: RemoteCopy; state: CopyState }> {
		return this.#o.remotes().map((remote) => ({ remote, state: this.#items.get(remote.id)?.get(cid) ?? { state: 'pending' } }));
	}

	/** How many of `cids` are not yet copied to every remote, and how many of those failed somewhere. */
	count(cids: Iterable<string>): { notCopied: number; failed: number } {
		let notCopied = 0;
		let failed = 0;
		const remotes = this.#o.remotes();
		for (const cid of cids) {
			const states = remotes.map((r) => this.#items.get(r.id)?.get(cid)?.state ?? 'pending');
			if (states.length === 0 || states.some((s) => s !== 'copied')) notCopied++;
			if (states.includes('failed')) failed++;
		}
		return { notCopied, failed };
	}

	/** Resolves when no pin is pending or running (tests, the bench), and the state is saved. */
	async idle(): Promise<void> {
		if (this.#running.size > 0 || this.#next()) await new Promise<void>((resolve) => this.#idle.push(resolve));
		await this.#saving;
	}

	/** Stops asking (lock, account change); pins in flight are abandoned and stay pending. */
	stop(): void {
		this.#controller.abort(new DOMException('The vault was locked.', 'AbortError'));
	}

	#of(remoteId: string): Map<string, CopyState> {
		let items = this.#items.get(remoteId);
		if (!items) this.#items.set(remoteId, (items = new Map()));
		return items;
	}

	#next(): { remote: RemoteCopy; cid: string } | null {
		for (const remote of this.#o.remotes()) {
			for (const [cid, s] of this.#items.get(remote.id) ?? []) {
				if (s.state === 'pending' && !this.#running.has(`${remote.id} ${cid}`)) return { remote, cid };
			}
		}
		return null;
	}

	#pump(): void {
		if (this.#controller.signal.aborted) return;
		const limit = this.#o.concurrency ?? 2;
		while (this.#running.size < limit) {
			const job = this.#next();
			if (!job) break;
			void this.#run(job.remote, job.cid);
		}
		if (this.#running.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
	}

	async #run(remote: RemoteCopy, cid: string): Promise<void> {
		const key = `${remote.id} ${cid}`;
		this.#running.add(key);
		const signal = this.#controller.signal;
		let state: CopyState;
		try {
			await this.#o.client(remote).pin(cid, { name: 'carevault', signal });
			state = { state: 'copied', at: this.#now() };
		} catch (err) {
			state = { state: 'failed', error: messageOf(err), at: this.#now() };
		}
		this.#running.delete(key);
		if (signal.aborted) return;
		// Removed meanwhile: nothing to record.
		if (this.#o.remotes().some((r) => r.id === remote.id)) this.#of(remote.id).set(cid, state);
		this.#changed();
		this.#pump();
	}

	#now(): number {
		return (this.#o.now ?? Date.now)();
	}

	#changed(): void {
		this.#o.onChange?.();
		this.#dirty = true;
		// One write at a time; changes made during a write go in the next one.
		this.#saving = this.#saving.then(async () => {
			if (!this.#dirty) return;
			this.#dirty = false;
			const stored: Stored = { v: 1, items: {} };
			for (const [remote, items] of this.#items) stored.items[remote] = Object.fromEntries(items);
			await this.#o.local.put(copyQueueKey(this.#o.address), utf8.encode(JSON.stringify(stored))).catch(() => {
				// The store refused (quota): the states stay in memory and the next change tries again.
				this.#dirty = true;
			});
		});
	}
}
