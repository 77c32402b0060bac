import type { Hex } from '../vault/ports';
import type { Ports } from '../vault/deps';
import type { GrantState, AccessRequestState } from '../vault/grantPorts';
import type { Category } from '../records/model';
import type { OpenedShare, SharedRecord, SharedAttachment } from '../vault/sharing';
import type { VaultAccess } from './vault.svelte';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';

export type { OpenedShare, SharedRecord, SharedAttachment };

/** What the grantee's page reaches. */
export type SharedPorts = Pick<Ports, 'signer' | 'chain' | 'blobs' | 'grants'>;

// Sharing pulls Umbral and the grant use cases: loaded on first use, not in the first paint.
const useCases = () => import('../vault/sharing');

/**
 * One grant addressed to me, as "Shared with me" shows it: `loading` while
 * its bundle is fetched, `unavailable` with the error when it could not be
 * (retryable: a Retry may work), `active` with the opened share.
 */
export interface SharedView {
	grantId: bigint;
	patient: Hex;
	expiresAt: number;
	status: 'active' | 'loading' | 'unavailable' | 'revoked' | 'expired';
	share?: OpenedShare;
	error?: { name: string; text: string; retryable: boolean };
}

const RETRYABLE = new Set(['PayloadUnavailableError', 'PayloadTooLargeError', 'ChainUnreachableError', 'ChainRequestFailedError']);

/** Where the report of one opening stands (see SharedState.#report). */
export type AccessReport = { status: 'sending' } | { status: 'reported'; count: number } | { status: 'declined' | 'failed'; text: string };

/** Streamed plaintext as a Blob, chunk by chunk (never one copy of the whole file). The sender's type is never used: viewers decide from the bytes (records/fileKind.ts). */
export async function plainBlob(parts: AsyncIterable<Uint8Array>): Promise<Blob> {
	const chunks: Uint8Array[] = [];
	for await (const p of parts) chunks.push(p);
	return new Blob(chunks as BlobPart[], { type: 'application/octet-stream' });
}

/** The grantee's side (a provider with a wallet): what patients shared, and its own access requests. */
export class SharedState {
	#ports: () => Promise<SharedPorts>;
	#vault: VaultAccess;
	#ui = new Busy();
	#grants = $state.raw<GrantState[]>([]);
	#views = $state.raw<Record<string, SharedView>>({});
	#requests = $state<AccessRequestState[]>([]);
	#loaded = $state(false);
	// Grants whose opening this page already reported: once per opening of the shared view, not per file.
	#reports = $state<Record<string, AccessReport>>({});

	constructor(ports: () => Promise<SharedPorts>, vault: VaultAccess) {
		this.#ports = ports;
		this.#vault = vault;
	}

	/** Newest first; each opens on its own (a few at a time), so one unreachable bundle holds up nothing else. */
	get shares(): SharedView[] {
		return this.#grants.map((g) => this.#views[g.id.toString()]).filter((v): v is SharedView => !!v);
	}
	get requests() { return this.#requests; }
	get loaded() { return this.#loaded; }
	/** Whether this opening of grant `id` was recorded in the patient's audit trail. */
	reportOf(id: bigint): AccessReport | undefined { return this.#reports[id.toString()]; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	async load(): Promise<boolean> {
		let toOpen: GrantState[] = [];
		const ok = await this.#ui.run('Reading what patients shared with you from the blockchain…', async () => {
			const [{ listSharedWithMe, listMyAccessRequests, refusalOf }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
			const [grants, requests] = await Promise.all([listSharedWithMe(ports, { address: vault.address }), listMyAccessRequests(ports)]);
			const views: Record<string, SharedView> = {};
			toOpen = [];
			for (const g of grants) {
				const key = g.id.toString();
				const base = { grantId: g.id, patient: g.patient, expiresAt: g.expiresAt };
				const refusal = refusalOf(g);
				const known = this.#views[key];
				if (refusal) views[key] = { ...base, status: g.revoked ? 'revoked' : 'expired', error: { name: refusal.name, text: messageOf(refusal), retryable: false } };
				// Same pointer as the share already open on this page: nothing new to fetch.
				else if (known?.share && this.#grants.find((o) => o.id === g.id)?.grantedBlock === g.grantedBlock) views[key] = known;
				else {
					views[key] = { ...base, status: 'loading' };
					toOpen.push(g);
				}
			}
			this.#grants = grants;
			this.#views = views;
			this.#requests = requests;
			this.#loaded = true;
		});
		if (ok) {
			const [{ BUNDLE_CONCURRENCY }, { forEachLimited }] = await Promise.all([useCases(), import('../vault/limit')]);
			void forEachLimited(toOpen, BUNDLE_CONCURRENCY, (g) => this.#open(g));
		}
		return ok;
	}

	/** Fetches one share's bundle again after it failed. */
	async retry(view: SharedView): Promise<void> {
		const g = this.#grants.find((s) => s.id === view.grantId);
		if (g) await this.#open(g);
	}

	async #open(g: GrantState): Promise<void> {
		const key = g.id.toString();
		const base = { grantId: g.id, patient: g.patient, expiresAt: g.expiresAt };
		this.#views = { ...this.#views, [key]: { ...base, status: 'loading' } };
		let view: SharedView;
		try {
			const [{ openSharedState }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
			const share = await openSharedState(ports, { address: vault.address, keys: vault.keys }, g);
			view = { ...base, status: 'active', share };
		} catch (err) {
			const name = err instanceof Error ? err.name : 'Error';
			view = { ...base, status: 'unavailable', error: { name, text: messageOf(err), retryable: RETRYABLE.has(name) } };
		}
		// A reload may have replaced the list meanwhile: only fill in a share it still shows.
		if (this.#views[key]) this.#views = { ...this.#views, [key]: view };
		if (view.share && view.share.records.length > 0 && !this.#reports[key]) await this.#report(g.id, view.share.records.length);
	}

	/**
	 * Tells the patient's audit trail that this app opened the share: one
	 * transaction (grant id and record count, no record ids) signed by this
	 * provider's wallet, sent once per opening of "Shared with me" (a page
	 * load or an unlock), not per attachment. Declining in the wallet leaves
	 * the records open: the report is this app's promise, not a lock.
	 */
	async #report(id: bigint, count: number): Promise<void> {
		const key = id.toString();
		this.#reports = { ...this.#reports, [key]: { status: 'sending' } };
		let report: AccessReport;
		try {
			await (await this.#ports()).grants.reportAccess({ id, count });
			report = { status: 'reported', count };
		} catch (err) {
			report = { status: err instanceof Error && err.name === 'WalletCancelledError' ? 'declined' : 'failed', text: messageOf(err) };
		}
		this.#reports = { ...this.#reports, [key]: report };
	}

	/** Decrypts one shared attachment; the use case refuses it if the grant ended meanwhile. */
	async open(share: OpenedShare, record: SharedRecord, attachment: SharedAttachment): Promise<Blob> {
		const [{ openSharedAttachment }, ports] = await Promise.all([useCases(), this.#ports()]);
		return plainBlob(openSharedAttachment(ports, share, record, attachment));
	}

	async requestAccess(p: { patient: Hex; reason: string; categories: Category[] }): Promise<boolean> {
		return this.#ui.run('Confirm the request in your wallet…', async () => {
			const [{ requestAccess, listMyAccessRequests }, ports] = await Promise.all([useCases(), this.#ports()]);
			const id = await requestAccess(ports, await this.#vault.get(), p);
			this.#ui.notice = { kind: 'success', text: `Request #${id} sent. The patient decides; you see the answer here.` };
			this.#requests = await listMyAccessRequests(ports);
		});
	}
}
