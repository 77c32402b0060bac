import type { CurrentLists } from '../records/reconcile';
import type { UnreadableRecord } from '../vault/fhirRecords';
import { grantStatusOf } from '../vault/sharing/status';
import type { MyGrant } from '../vault/sharing';
import { messageOf } from '../errors';

/** What the home page reads from the other page states (the app passes its own). */
export interface HomeSources {
	lists(): Promise<{ lists: CurrentLists; unreadable: UnreadableRecord[] }>;
	inbox: { load(): Promise<unknown>; readonly items: ReadonlyArray<{ status: string }> };
	share: { load(): Promise<unknown>; readonly grants: readonly MyGrant[]; readonly requests: ReadonlyArray<{ status: string }> };
	/** Parts of the vault not yet on every remote copy (state/remoteCopies). */
	copies?: { readonly pending: { notCopied: number; failed: number; total: number }; readonly remotes: readonly unknown[] };
}

/**
 * The patient's home: what matters now. The current lists (allergies first),
 * what waits for an answer, and who can see what until when. It reads the
 * inbox and share states the other pages use, so nothing is read twice.
 */
export class HomeState {
	#sources: HomeSources;
	#lists = $state.raw<CurrentLists | null>(null);
	#unreadable = $state.raw<UnreadableRecord[]>([]);
	#error = $state<string | null>(null);

	constructor(sources: HomeSources) {
		this.#sources = sources;
	}

	get lists() { return this.#lists; }
	get unreadable() { return this.#unreadable; }
	/** Why the lists could not be read, or null. */
	get error() { return this.#error; }
	/** Proposals and access requests waiting for the patient's answer. */
	get waiting(): { proposals: number; requests: number } {
		return {
			proposals: this.#sources.inbox.items.filter((i) => i.status === 'pending').length,
			requests: this.#sources.share.requests.filter((r) => r.status === 'pending').length
		};
	}
	/** Grants and links the chain says are active now, soonest end first (no end date last). */
	get activeShares(): MyGrant[] {
		const end = (g: MyGrant) => g.state?.expiresAt || Number.MAX_SAFE_INTEGER;
		return this.#sources.share.grants.filter((g) => grantStatusOf(g.state) === 'active').sort((a, b) => end(a) - end(b));
	}

	/**
	 * What is not yet safe beyond this device: `none` when no remote copy is
	 * set up, else how many parts of the vault are not copied (and failed).
	 */
	get copies(): { remotes: number; notCopied: number; failed: number; total: number } {
		const c = this.#sources.copies;
		return c ? { remotes: c.remotes.length, ...c.pending } : { remotes: 0, notCopied: 0, failed: 0, total: 0 };
	}

	async load(): Promise<void> {
		this.#error = null;
		await Promise.all([
			this.#sources.lists().then(
				(l) => {
					this.#lists = l.lists;
					this.#unreadable = l.unreadable;
				},
				(err) => {
					this.#error = messageOf(err);
				}
			),
			// Their own notices say what went wrong; the home page shows only counts.
			this.#sources.inbox.load(),
			this.#sources.share.load()
		]);
	}
}
