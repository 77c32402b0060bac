import type { Category } from '../records/model';
import { RecordDraft } from './recordDraft.svelte';

/**
 * Forms in progress, owned by the app object rather than by their pages: going
 * to another page (a link, back/forward, an edited fragment) and coming back
 * finds them as they were left. They live only in memory, like the vault's
 * keys, and are dropped with them at a lock.
 */
export class FormDrafts {
	/** The patient's "Add a record". */
	readonly add = new RecordDraft({ category: 'other', date: today() });
	/** A provider's proposal to a patient. */
	readonly proposal = new ProposalDraft();
	/** The Share page's grant to a provider. */
	readonly grant = new GrantDraft();
}

export class ProposalDraft {
	patient = $state('');
	note = $state('');
	readonly record = new RecordDraft({ category: 'notes', date: today() });

	reset(): void {
		this.note = '';
		this.record.reset();
	}
}

export class GrantDraft {
	grantee = $state('');
	/** Whether the raw address field ("Advanced") is open. */
	advanced = $state(false);
	mode = $state<'categories' | 'records'>('categories');
	categories = $state<Category[]>([]);
	recordIds = $state<string[]>([]);
	/** YYYY-MM-DD, or '' for no end date. */
	expiry = $state('');
	error = $state<string | null>(null);

	/** After a grant was made: the scope is cleared, the provider stays for another grant. */
	granted(): void {
		this.categories = [];
		this.recordIds = [];
	}
}

function today(): string {
	return new Date().toISOString().slice(0, 10);
}
