import type { Ports } from '../vault/deps';
import type { AuditEntry, AuditKind, Address } from '../vault/audit/entry';
import { filterAudit, peopleOf, readAuditTrail, type AuditFilter } from '../vault/audit/trail';
import { AuditUnavailableError } from '../vault/audit/errors';
import type { ProviderIdentity } from '../vault/providers/identify';
import type { VaultAccess } from './vault.svelte';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';

/** What the Audit page reaches: the audit sources, and the device's event cache (sealed under the vault). */
export type AuditPorts = Pick<Ports, 'audit' | 'eventCache'>;

/** Who each account is, as the trust settings say (TrustState.identify / identityOf). */
export interface AuditPeople {
	identify(address: Address): Promise<ProviderIdentity | null>;
	identityOf(address: string): ProviderIdentity | undefined;
}

const exportModule = () => import('../vault/audit/export');

/**
 * The patient's Audit page: who did what, when, from the chain's events (a
 * second visit reads only blocks mined since: the chain reader's sealed
 * cache), filtered by person, kind and dates, exported as CSV or FHIR R4.
 */
export class AuditState {
	#ports: () => Promise<AuditPorts>;
	#vault: VaultAccess;
	#people: AuditPeople;
	#ui = new Busy();
	#entries = $state.raw<AuditEntry[]>([]);
	#failed = $state.raw<{ source: string; text: string }[]>([]);
	#loaded = $state(false);
	#sources = $state<{ done: number; total: number } | null>(null);
	#chainId = $state(0);
	#patient = $state<Address | null>(null);
	person = $state('');
	kinds = $state<AuditKind[]>([]);
	/** yyyy-mm-dd, inclusive; '' for no bound. */
	from = $state('');
	to = $state('');

	constructor(ports: () => Promise<AuditPorts>, vault: VaultAccess, people: AuditPeople) {
		this.#ports = ports;
		this.#vault = vault;
		this.#people = people;
	}

	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }
	get loaded() { return this.#loaded; }
	get entries() { return this.#entries; }
	/** Sources read so far of all (the chain scan itself reports to the app's scan bar). */
	get sources() { return this.#sources; }
	/** Sources that failed on the last read, with why: their entries are missing. */
	get failed() { return this.#failed; }
	get patient() { return this.#patient; }

	/** The entries the filters let through, oldest first. */
	get visible(): AuditEntry[] {
		return filterAudit(this.#entries, this.#filter());
	}

	/** Everyone in the trail, for the person filter. */
	get people(): Address[] {
		return peopleOf(this.#entries);
	}

	/** "You" for the patient, a verified (or pinned) name when there is one, else the address. */
	nameOf = (address: Address): string | undefined => {
		if (this.#patient && address.toLowerCase() === this.#patient.toLowerCase()) return 'You';
		const id = this.#people.identityOf(address);
		return id && id.trust.status === 'verified' ? id.trust.name : undefined;
	};

	async load(): Promise<boolean> {
		return this.#ui.run('Reading your audit trail from the blockchain…', async () => {
			const [ports, vault] = await Promise.all([this.#ports(), this.#vault.get()]);
			if (!ports.audit) throw new AuditUnavailableError();
			// Scans from here on are kept sealed under this vault: the next visit reads only new blocks.
			ports.eventCache?.open(vault);
			this.#patient = vault.address;
			this.#chainId = ports.audit.chainId;
			this.#sources = { done: 0, total: ports.audit.sources.length };
			const trail = await readAuditTrail(ports.audit, vault, { onSourceDone: (done, total) => (this.#sources = { done, total }) });
			this.#entries = trail.entries;
			this.#failed = trail.failed.map((f) => ({ source: f.source, text: messageOf(f.error) }));
			this.#loaded = true;
			for (const a of this.people) if (a.toLowerCase() !== vault.address.toLowerCase()) void this.#people.identify(a);
		}, () => (this.#sources = null));
	}

	clearFilters(): void {
		this.person = '';
		this.kinds = [];
		this.from = '';
		this.to = '';
	}

	/** The visible entries as CSV (RFC 4180). */
	async csv(): Promise<{ name: string; blob: Blob }> {
		const { auditCsv } = await exportModule();
		return { name: `carevault-audit-${today()}.csv`, blob: new Blob([auditCsv(this.visible, this.nameOf)], { type: 'text/csv;charset=utf-8' }) };
	}

	/** The visible entries as FHIR R4 AuditEvent resources in a collection Bundle. */
	async fhir(): Promise<{ name: string; blob: Blob }> {
		const { auditEventBundle } = await exportModule();
		const patient = this.#patient ?? (await this.#vault.get()).address;
		const bundle = auditEventBundle(this.visible, { chainId: this.#chainId, patient, nameOf: this.nameOf });
		return { name: `carevault-audit-${today()}.fhir.json`, blob: new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' }) };
	}

	#filter(): AuditFilter {
		// Whole UTC days, as the page shows times; a malformed date is no bound.
		const day = (s: string, end: boolean) => {
			const t = s ? Date.parse(`${s}T${end ? '23:59:59' : '00:00:00'}Z`) : NaN;
			return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
		};
		return { person: this.person || undefined, kinds: this.kinds, from: day(this.from, false), to: day(this.to, true) };
	}
}

const today = () => new Date().toISOString().slice(0, 10);
