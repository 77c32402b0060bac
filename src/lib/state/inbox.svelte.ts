import type { ProposalDeps } from '../vault/proposals/deps';
import type { InboxItem } from '../vault/proposals/inbox';
import type { ProposalAttachment } from '../vault/proposals/payload';
import type { VaultAccess } from './adapters';
import { noticeOf } from './notice';
import { Busy } from './busy.svelte';

const useCases = () => import('../vault/proposals/inbox');

/** The patient's inbox of proposals: opened, verified and decided in this browser. */
export class InboxState {
	#makeDeps: () => Promise<ProposalDeps>;
	#vault: VaultAccess;
	#deps: ProposalDeps | null = null;
	#items = $state<InboxItem[]>([]);
	#loaded = $state(false);
	#ui = new Busy();
	/** Ids whose record is in the vault but whose "accepted" decision still has to be sent. */
	#decisionPending = $state<string[]>([]);

	constructor(makeDeps: () => Promise<ProposalDeps>, vault: VaultAccess) {
		this.#makeDeps = makeDeps;
		this.#vault = vault;
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

	async load(): Promise<boolean> {
		return this.#ui.run('Opening your proposals…', async () => {
			const { loadInbox } = await useCases();
			this.#items = await loadInbox(await this.#ensureDeps(), await this.#vault.get());
			this.#loaded = true;
		});
	}

	/** Decrypts every attachment once, so an altered file flags the proposal before anyone decides. */
	async check(item: InboxItem): Promise<InboxItem> {
		const { checkProposalAttachments } = await useCases();
		try {
			const checked = await checkProposalAttachments(await this.#ensureDeps(), item);
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
		for await (const p of openProposalAttachment(await this.#ensureDeps(), attachment)) parts.push(p);
		// The sender's type is never used: viewers decide from the bytes (records/fileKind.ts).
		return new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
	}

	async accept(item: InboxItem): Promise<boolean> {
		return this.#ui.run('Checking the files, then confirm two transactions: saving the record, then your answer…', async () => {
			const { acceptProposal } = await useCases();
			const { DecisionNotSentError } = await import('../vault/proposals/errors');
			const deps = await this.#ensureDeps();
			try {
				const { vault } = await acceptProposal(deps, await this.#vault.get(), item);
				await this.#vault.replace(vault);
				this.#decisionPending = this.#decisionPending.filter((id) => id !== item.id.toString());
				this.#replace({ ...item, status: 'accepted' });
				this.#ui.notice = { kind: 'success', text: `“${item.payload?.title}” is now in your vault. The provider sees that you accepted it.` };
			} catch (err) {
				if (err instanceof DecisionNotSentError) {
					await this.#vault.replace(err.vault);
					this.#decisionPending = [...this.#decisionPending, item.id.toString()];
				}
				throw err;
			}
		});
	}

	async reject(item: InboxItem): Promise<boolean> {
		return this.#ui.run('Confirm the rejection in your wallet…', async () => {
			const { rejectProposal } = await useCases();
			await rejectProposal(await this.#ensureDeps(), item);
			this.#replace({ ...item, status: 'rejected' });
			this.#ui.notice = { kind: 'success', text: 'Rejected. Nothing was added to your vault; the provider sees your answer.' };
		});
	}

	#replace(next: InboxItem): void {
		this.#items = this.#items.map((i) => (i.id === next.id ? next : i));
	}

	async #ensureDeps(): Promise<ProposalDeps> {
		this.#deps ??= await this.#makeDeps();
		return this.#deps;
	}

}
