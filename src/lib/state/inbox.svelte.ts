import type { ProposalDeps } from '../vault/proposals/deps';
import type { InboxItem } from '../vault/proposals/inbox';
import type { ProposalDedupe } from '../vault/proposals/dedupe';
import type { FhirRecordsContent } from '../vault/fhirRecords';
import type { ProposalAttachment } from '../vault/proposals/payload';
import type { Hex } from '../vault/ports';
import type { VaultAccess } from './vault.svelte';
import { noticeOf } from './notice';
import { Busy } from './busy.svelte';
import { messageOf } from '../errors';

/** Where one item's payload stands: being fetched, or not fetched with the error to show beside its Retry button. */
export type PayloadFetch = { state: 'loading' } | { state: 'failed'; name: string; text: string };

const useCases = () => import('../vault/proposals/inbox');

/** The patient's inbox of proposals: opened, verified and decided in this browser. */
export class InboxState {
	#ports: () => Promise<ProposalDeps>;
	#vault: VaultAccess;
	#items = $state<InboxItem[]>([]);
	#loaded = $state(false);
	#ui = new Busy();
	/** Ids whose record is in the vault but whose "accepted" decision still has to be sent. */
	#decisionPending = $state<string[]>([]);
	/** Per item id: a payload fetch in flight or failed. Absent: not asked for, or opened. */
	#fetches = $state<Record<string, PayloadFetch>>({});
	#inFlight = new Map<string, Promise<InboxItem>>();

	/** Per item id: how a FHIR proposal compares with the vault (new / updated / already present), or why it could not be compared. */
	#dedupes = $state<Record<string, ProposalDedupe | { error: string }>>({});

	#skip: (() => Promise<(sender: Hex) => boolean>) | undefined;
	#content: (() => Promise<FhirRecordsContent>) | undefined;

	/**
	 * `skip` says which senders are blocked (TrustState.skipper): their proposals are never fetched or shown.
	 * `content` reads the vault's current FHIR content (VaultState.fhirContent, which keeps what it decrypted).
	 */
	constructor(
		ports: () => Promise<ProposalDeps>,
		vault: VaultAccess,
		options: { skip?: () => Promise<(sender: Hex) => boolean>; content?: () => Promise<FhirRecordsContent> } = {}
	) {
		this.#ports = ports;
		this.#vault = vault;
		this.#skip = options.skip;
		this.#content = options.content;
	}

	/** How a pending FHIR proposal compares with the vault, once `compare` ran. */
	dedupeOf(item: InboxItem): ProposalDedupe | { error: string } | undefined {
		return this.#dedupes[item.id.toString()];
	}

	/** Compares a pending, checked FHIR proposal with the vault: each resource new, updated or already present. Never throws. */
	async compare(item: InboxItem): Promise<void> {
		if (!item.payload || item.payload.kind !== 'fhir' || item.problem || item.status !== 'pending') return;
		const key = item.id.toString();
		try {
			const { readProposalResources, planProposal, proposalSource } = await import('../vault/proposals/dedupe');
			const { readFhirRecords } = await import('../vault/fhirRecords');
			const deps = await this.#ports();
			const incoming = await readProposalResources(deps, item.payload);
			const content = this.#content ? await this.#content() : await readFhirRecords(deps, await this.#vault.get(), (await this.#vault.get()).index.records);
			this.#dedupes = { ...this.#dedupes, [key]: planProposal(content, incoming, proposalSource(item.provider)) };
		} catch (err) {
			this.#dedupes = { ...this.#dedupes, [key]: { error: messageOf(err) } };
		}
	}

	get items() { return this.#items; }
	get loaded() { return this.#loaded; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	item(id: string): InboxItem | undefined {
		return this.#items.find((i) => i.id.toString() === id);
	}
	decisionPending(item: InboxItem): boolean {
		return this.#decisionPending.includes(item.id.toString());
	}

	/** Whether an item's payload is being fetched or failed to arrive. */
	fetchOf(item: InboxItem): PayloadFetch | undefined {
		return this.#fetches[item.id.toString()];
	}

	/**
	 * Lists the proposals from chain events (cheap), then fetches the payloads
	 * of pending ones a few at a time in the background; each arrives on its
	 * own, and one that never arrives holds up nothing else. Decided
	 * proposals are not fetched: they open on demand. Items already opened on
	 * this page keep their content on refresh.
	 */
	async load(): Promise<boolean> {
		let listed: InboxItem[] = [];
		const ok = await this.#ui.run('Reading your proposals from the blockchain…', async () => {
			const { listInbox } = await useCases();
			const previous = new Map(this.#items.map((i) => [i.id, i]));
			const skip = await this.#skip?.();
			listed = (await listInbox(await this.#ports(), await this.#vault.get(), skip ? { skip } : {})).map((fresh) => {
				const known = previous.get(fresh.id);
				return known?.opened ? { ...known, status: fresh.status, ...(fresh.decidedAt !== undefined ? { decidedAt: fresh.decidedAt } : {}) } : fresh;
			});
			this.#items = listed;
			this.#loaded = true;
		});
		if (ok) {
			const { PAYLOAD_CONCURRENCY } = await useCases();
			const { forEachLimited } = await import('../vault/limit');
			const waiting = listed.filter((i) => !i.opened && i.status === 'pending');
			void forEachLimited(waiting, PAYLOAD_CONCURRENCY, async (item) => void (await this.fetch(item)));
		}
		return ok;
	}

	/**
	 * Fetches and checks one item's payload now (opening it, or Retry). Never
	 * throws: a payload that cannot be read is recorded for this item only.
	 */
	async fetch(item: InboxItem): Promise<InboxItem> {
		const key = item.id.toString();
		const current = this.item(key) ?? item;
		if (current.opened) return current;
		const running = this.#inFlight.get(key);
		if (running) return running;
		const job = (async () => {
			this.#fetches = { ...this.#fetches, [key]: { state: 'loading' } };
			try {
				const { openInboxItem } = await useCases();
				const deps = await this.#ports();
				const vault = await this.#vault.get();
				const opened = await openInboxItem(deps, vault, current);
				this.#replace(opened);
				await this.#remember(opened);
				const { [key]: _, ...rest } = this.#fetches;
				this.#fetches = rest;
				return opened;
			} catch (err) {
				this.#fetches = { ...this.#fetches, [key]: { state: 'failed', name: err instanceof Error ? err.name : 'Error', text: messageOf(err) } };
				return current;
			} finally {
				this.#inFlight.delete(key);
			}
		})();
		this.#inFlight.set(key, job);
		return job;
	}

	/** Decrypts every attachment once, so an altered file flags the proposal before anyone decides. */
	async check(item: InboxItem): Promise<InboxItem> {
		if (!item.opened) return item;
		const { checkProposalAttachments } = await useCases();
		try {
			const checked = await checkProposalAttachments(await this.#ports(), item);
			if (checked !== item) this.#replace(checked);
			return checked;
		} catch (err) {
			this.#ui.notice = noticeOf(err);
			return item;
		}
	}

	/** One attachment's plaintext for preview; DecryptionFailedError if it was altered. */
	async preview(attachment: ProposalAttachment): Promise<Blob> {
		const { openProposalAttachment } = await useCases();
		const parts: Uint8Array[] = [];
		for await (const p of openProposalAttachment(await this.#ports(), attachment)) parts.push(p);
		// The sender's type is never used: viewers decide from the bytes (records/fileKind.ts).
		return new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
	}

	async accept(item: InboxItem): Promise<boolean> {
		return this.#ui.run('Checking the files, then confirm two transactions: saving the record, then your answer…', async () => {
			const { acceptProposal } = await useCases();
			const { DecisionNotSentError } = await import('../vault/proposals/errors');
			const ports = await this.#ports();
			// The record may land while the answer does not: the vault keeps it either way, and Retry sends the answer.
			type Outcome = { notSent: InstanceType<typeof DecisionNotSentError> } | { dedupe?: ProposalDedupe; added: boolean };
			const { value: outcome, problem } = await this.#vault.change<Outcome>(async (v) => {
				try {
					// Compared with the vault as it is now: only what is new or updated goes in.
					const content = item.payload?.kind === 'fhir' && this.#content ? await this.#content() : undefined;
					const { vault, record, dedupe } = await acceptProposal(ports, v, item, content ? { content } : {});
					return { vault, added: record ? [record.id] : [], value: { ...(dedupe ? { dedupe } : {}), added: !!record } };
				} catch (err) {
					if (err instanceof DecisionNotSentError) return { vault: err.vault, value: { notSent: err } };
					throw err;
				}
			});
			if ('notSent' in outcome) {
				const notSent = outcome.notSent;
				this.#decisionPending = [...this.#decisionPending, item.id.toString()];
				throw notSent;
			}
			this.#decisionPending = this.#decisionPending.filter((id) => id !== item.id.toString());
			this.#replace({ ...item, status: 'accepted' });
			await this.#remember({ ...item, status: 'accepted' });
			const { dedupeText } = await import('../vault/proposals/dedupe');
			const title = `“${item.payload?.title}”`;
			const added = !outcome.added
				? `Everything in ${title} was already in your vault: nothing was added. The provider sees that you accepted it.`
				: outcome.dedupe && outcome.dedupe.counts.present > 0
					? `${title}: ${dedupeText(outcome.dedupe.counts)}. Only the new and updated resources were added to your vault. The provider sees that you accepted it.`
					: `${title} is now in your vault. The provider sees that you accepted it.`;
			if (outcome.dedupe) this.#dedupes = { ...this.#dedupes, [item.id.toString()]: outcome.dedupe };
			this.#ui.notice = problem ? { kind: 'error', text: `${added} ${problem}` } : { kind: 'success', text: added };
		});
	}

	async reject(item: InboxItem): Promise<boolean> {
		return this.#ui.run('Confirm the rejection in your wallet…', async () => {
			const { rejectProposal } = await useCases();
			await rejectProposal(await this.#ports(), item);
			this.#replace({ ...item, status: 'rejected' });
			await this.#remember({ ...item, status: 'rejected' });
			this.#ui.notice = { kind: 'success', text: 'Rejected. Nothing was added to your vault; the provider sees your answer.' };
		});
	}

	/** A decided proposal's title and verdict stay on this device (encrypted), so later visits need not fetch it. */
	async #remember(item: InboxItem): Promise<void> {
		try {
			const { rememberDecided } = await useCases();
			await rememberDecided(await this.#ports(), await this.#vault.get(), item);
		} catch {
			// Only a convenience: without the memo the proposal is fetched again when opened.
		}
	}

	#replace(next: InboxItem): void {
		this.#items = this.#items.map((i) => (i.id === next.id ? next : i));
	}

}
