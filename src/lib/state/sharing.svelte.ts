import { isAddress } from '../types';
import type { Hex } from '../vault/ports';
import type { BlobStore } from '../vault/ports';
import type { GrantChain, GrantState, AccessRequestState } from '../vault/grantPorts';
import type { ProviderChain, ProviderProfile } from '../vault/providerPorts';
import type { OpenVault } from '../vault/deps';
import type { VaultRecord, Category, GrantScope } from '../records/model';
import type { SharingDeps } from '../vault/sharing/deps';
import type { OpenedShare, SharedFromPatient, MyGrant, AccessRequestItem } from '../vault/sharing';
import type { SharedRecord, SharedAttachment } from '../vault/sharing/bundle';
import type { VaultAccess } from './adapters';
import { messageOf } from '../errors';
import { noticeOf } from './notice';
import { Busy } from './busy.svelte';

export type { GrantScope, OpenedShare, SharedFromPatient, SharedRecord, SharedAttachment, MyGrant };
/** An access request as the patient sees it, opened (or with the problem that kept it closed). */
export type AccessRequestView = AccessRequestItem;

/** Everything the patient's and the grantee's pages reach: the sharing use cases' deps plus provider profiles. */
export type SharingStateDeps = SharingDeps & { providers: ProviderChain };

// Sharing pulls Umbral and the grant use cases: loaded on first use, not in the first paint.
const useCases = () => import('../vault/sharing');

export type GrantStatus = 'active' | 'expired' | 'revoked' | 'unknown';

/** What a grant looks like now: the chain decides, the local index only remembers the scope. */
export function grantStatusOf(state: GrantState | null | undefined): GrantStatus {
	if (!state) return 'unknown';
	if (state.revoked) return 'revoked';
	// Not revoked and not active: the chain's clock passed the expiry.
	return state.active ? 'active' : 'expired';
}

export const STATUS_TEXT: Record<GrantStatus, string> = {
	active: 'Active',
	expired: 'Expired',
	revoked: 'Revoked',
	unknown: 'Not found on the chain'
};

/** "until 12 May 2026, 14:00" or "no end date": how long a share lasts, in words. */
export function expiryText(expiresAt: number): string {
	return expiresAt === 0 ? 'no end date' : `until ${new Date(expiresAt * 1000).toLocaleString()}`;
}

/** Unix seconds of the end of `date` (YYYY-MM-DD) in local time; 0 for none. */
export function expiryOfDate(date: string): number {
	if (!date) return 0;
	const [y, m, d] = date.split('-').map(Number);
	return Math.floor(new Date(y, m - 1, d, 23, 59, 59).getTime() / 1000);
}

// The sender's type is never used: viewers decide from the bytes (records/fileKind.ts).
async function collect(parts: AsyncIterable<Uint8Array>): Promise<Blob> {
	const chunks: Uint8Array[] = [];
	for await (const p of parts) chunks.push(p);
	return new Blob(chunks as BlobPart[], { type: 'application/octet-stream' });
}


/** A share link the patient just made or asked to see again, shown with its QR code. */
export interface MadeLink {
	url: string;
	grantId: bigint;
	expiresAt: number;
	scope: GrantScope;
}

/** The patient's side: grants, revocations, share links, and incoming access requests. */
export class ShareState {
	#makeDeps: () => Promise<SharingStateDeps>;
	#vault: VaultAccess;
	#deps: SharingStateDeps | null = null;
	#ui = new Busy();
	#grants = $state<MyGrant[]>([]);
	#requests = $state<AccessRequestView[]>([]);
	#names = $state<Record<string, ProviderProfile | null>>({});
	#loaded = $state(false);
	#link = $state<MadeLink | null>(null);
	#siteUrl: string;

	#skip: (() => Promise<(sender: Hex) => boolean>) | undefined;

	/** `skip` says which senders are blocked (TrustState.skipper): their access requests are never opened or shown. */
	constructor(makeDeps: () => Promise<SharingStateDeps>, vault: VaultAccess, siteUrl: string, options: { skip?: () => Promise<(sender: Hex) => boolean> } = {}) {
		this.#makeDeps = makeDeps;
		this.#vault = vault;
		this.#siteUrl = siteUrl;
		this.#skip = options.skip;
	}

	get grants() { return this.#grants; }
	get requests() { return this.#requests; }
	get loaded() { return this.#loaded; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	get link() { return this.#link; }
	dismissNotice() { this.#ui.notice = null; }
	dismissLink() { this.#link = null; }

	/** The registered profile of `address`, once looked up (undefined until then, null when not a provider). */
	profileOf(address: string): ProviderProfile | null | undefined {
		return this.#names[address.toLowerCase()];
	}

	async lookupProvider(address: string): Promise<ProviderProfile | null> {
		if (!isAddress(address)) return null;
		const key = address.toLowerCase();
		if (key in this.#names) return this.#names[key];
		try {
			const deps = await this.#ensureDeps();
			const profile = await deps.providers.readProvider(address as Hex);
			this.#names = { ...this.#names, [key]: profile };
			return profile;
		} catch (err) {
			this.#ui.notice = noticeOf(err);
			return null;
		}
	}

	async load(): Promise<boolean> {
		return this.#ui.run('Reading your shares from the chain…', async () => {
			await this.#refresh(await this.#ensureDeps());
			this.#loaded = true;
		});
	}

	async grant(p: { grantee: Hex; scope: GrantScope; expiresAt: number }): Promise<boolean> {
		return this.#ui.run('Preparing the shared records, then confirm the grant in your wallet…', async () => {
			const { grantAccess } = await useCases();
			const deps = await this.#ensureDeps();
			const { vault, grantId } = await grantAccess(deps, await this.#vault.get(), p);
			await this.#vault.replace(vault);
			const who = this.profileOf(p.grantee)?.name ?? p.grantee;
			this.#ui.notice = { kind: 'success', text: `Shared with ${who} (grant #${grantId}).` };
			await this.#refresh(deps);
		});
	}

	async revoke(grantId: bigint): Promise<boolean> {
		return this.#ui.run('Confirm the revocation in your wallet…', async () => {
			const { revokeAccess } = await useCases();
			const deps = await this.#ensureDeps();
			await this.#vault.replace(await revokeAccess(deps, await this.#vault.get(), grantId));
			this.#ui.notice = {
				kind: 'success',
				text: 'Revoked. Nothing you add from now on reaches them. What they already received cannot be taken back.'
			};
			await this.#refresh(deps);
		});
	}

	async createLink(p: { scope: GrantScope; expiresAt: number }): Promise<boolean> {
		return this.#ui.run('Preparing the link, then confirm the grant in your wallet…', async () => {
			const { createShareLink } = await useCases();
			const deps = await this.#ensureDeps();
			const { vault, grantId, url } = await createShareLink(deps, await this.#vault.get(), p, this.#siteUrl);
			await this.#vault.replace(vault);
			this.#link = { url, grantId, expiresAt: p.expiresAt, scope: p.scope };
			await this.#refresh(deps);
		});
	}

	/** Rebuilds one of the patient's active share links from the chain and the vault keys, and shows it. */
	async showLink(grant: MyGrant): Promise<boolean> {
		return this.#ui.run('Rebuilding the link from your keys…', async () => {
			const { showShareLink } = await useCases();
			const deps = await this.#ensureDeps();
			const url = await showShareLink(deps, await this.#vault.get(), BigInt(grant.id), this.#siteUrl);
			this.#link = { url, grantId: BigInt(grant.id), expiresAt: grant.expiresAt, scope: grant.scope };
		});
	}

	async answer(request: AccessRequestView, p: { approve: boolean; expiresAt?: number }): Promise<boolean> {
		const busy = p.approve ? 'Preparing the shared records, then confirm the grant in your wallet (it answers the request too)…' : 'Confirm your answer in your wallet…';
		return this.#ui.run(busy, async () => {
			const { answerAccessRequest } = await useCases();
			const deps = await this.#ensureDeps();
			await this.#vault.replace(await answerAccessRequest(deps, await this.#vault.get(), request, p));
			this.#ui.notice = {
				kind: 'success',
				text: p.approve ? 'Approved: they can now see the requested categories.' : 'Declined. They see your answer; nothing was shared.'
			};
			await this.#refresh(deps);
		});
	}

	async #refresh(deps: SharingStateDeps): Promise<void> {
		const { listMyGrants, listAccessRequests } = await useCases();
		const vault = await this.#vault.get();
		const skip = await this.#skip?.();
		const [grants, requests] = await Promise.all([listMyGrants(deps, vault), listAccessRequests(deps, vault, skip ? { skip } : {})]);
		this.#grants = grants;
		this.#requests = requests;
		await Promise.all(grants.map((g) => this.lookupProvider(g.grantee)));
	}

	async #ensureDeps(): Promise<SharingStateDeps> {
		this.#deps ??= await this.#makeDeps();
		return this.#deps;
	}
}

/**
 * After the patient adds or accepts records: extends the bundle of every active
 * grant whose scope covers them, so grantees get them without a new grant.
 * For VaultState to call once records are committed (added or accepted); the
 * deps are made per call because the account may have changed since.
 */
export function grantExtender(makeDeps: () => Promise<SharingDeps>) {
	return async (vault: OpenVault, added: VaultRecord[]): Promise<OpenVault> => {
		if (added.length === 0) return vault;
		const { extendGrants } = await useCases();
		return (await extendGrants(await makeDeps(), vault, added)).vault;
	};
}

/** After unlocking: rebuilds the vault's grants and key epochs from the chain. */
export function grantSyncer(makeDeps: () => Promise<SharingDeps>) {
	return async (vault: OpenVault): Promise<OpenVault> => {
		const { syncGrants } = await useCases();
		return syncGrants(await makeDeps(), vault);
	};
}

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

/** The grantee's side (a provider with a wallet): what patients shared, and its own access requests. */
export class SharedState {
	#makeDeps: () => Promise<SharingStateDeps>;
	#vault: VaultAccess;
	#deps: SharingStateDeps | null = null;
	#ui = new Busy();
	#grants = $state.raw<GrantState[]>([]);
	#views = $state.raw<Record<string, SharedView>>({});
	#requests = $state<AccessRequestState[]>([]);
	#loaded = $state(false);

	constructor(makeDeps: () => Promise<SharingStateDeps>, vault: VaultAccess) {
		this.#makeDeps = makeDeps;
		this.#vault = vault;
	}

	/** Newest first; each opens on its own (a few at a time), so one unreachable bundle holds up nothing else. */
	get shares(): SharedView[] {
		return this.#grants.map((g) => this.#views[g.id.toString()]).filter((v): v is SharedView => !!v);
	}
	get requests() { return this.#requests; }
	get loaded() { return this.#loaded; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	async load(): Promise<boolean> {
		let toOpen: GrantState[] = [];
		const ok = await this.#ui.run('Reading what patients shared with you from the blockchain…', async () => {
			const deps = await this.#ensureDeps();
			const { listSharedWithMe, listMyAccessRequests, refusalOf } = await useCases();
			const vault = await this.#vault.get();
			const [grants, requests] = await Promise.all([listSharedWithMe(deps, { address: vault.address }), listMyAccessRequests(deps)]);
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
			const { BUNDLE_CONCURRENCY } = await useCases();
			const { forEachLimited } = await import('../vault/limit');
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
			const { openSharedState } = await useCases();
			const vault = await this.#vault.get();
			const share = await openSharedState(await this.#ensureDeps(), { address: vault.address, keys: vault.keys }, g);
			view = { ...base, status: 'active', share };
		} catch (err) {
			const name = err instanceof Error ? err.name : 'Error';
			view = { ...base, status: 'unavailable', error: { name, text: messageOf(err), retryable: RETRYABLE.has(name) } };
		}
		// A reload may have replaced the list meanwhile: only fill in a share it still shows.
		if (this.#views[key]) this.#views = { ...this.#views, [key]: view };
	}

	/** Decrypts one shared attachment, checking the grant on-chain first. */
	async open(share: OpenedShare, record: SharedRecord, attachment: SharedAttachment): Promise<Blob> {
		const deps = await this.#ensureDeps();
		await ensureActive(deps.grants, share);
		const { openSharedAttachment } = await useCases();
		return collect(openSharedAttachment(deps, share, record, attachment));
	}

	async requestAccess(p: { patient: Hex; reason: string; categories: Category[] }): Promise<boolean> {
		return this.#ui.run('Confirm the request in your wallet…', async () => {
			const { requestAccess } = await useCases();
			const deps = await this.#ensureDeps();
			const id = await requestAccess(deps, await this.#vault.get(), p);
			this.#ui.notice = { kind: 'success', text: `Request #${id} sent. The patient decides; you see the answer here.` };
			const { listMyAccessRequests } = await useCases();
			this.#requests = await listMyAccessRequests(deps);
		});
	}

	async #ensureDeps(): Promise<SharingStateDeps> {
		this.#deps ??= await this.#makeDeps();
		return this.#deps;
	}
}

/** Throws the patient-facing refusal when the grant is no longer active on-chain. */
async function ensureActive(grants: GrantChain, share: { grantId: bigint; expiresAt: number }): Promise<void> {
	const state = await grants.readGrant(share.grantId);
	if (state?.active) return;
	const { GrantRevokedError, GrantExpiredError } = await import('../vault/sharing/errors');
	if (!state || state.revoked) throw new GrantRevokedError(share.grantId);
	throw new GrantExpiredError(share.grantId, state.expiresAt);
}

/** The link viewer (no wallet): checks the grant on-chain, then shows exactly what was shared. */
export class LinkState {
	#makeDeps: () => Promise<{ blobs: BlobStore; grants: GrantChain }>;
	#deps: { blobs: BlobStore; grants: GrantChain } | null = null;
	#share = $state<OpenedShare | null>(null);
	#refusal = $state<{ name: string; text: string } | null>(null);
	#busy = $state<string | null>(null);

	constructor(makeDeps: () => Promise<{ blobs: BlobStore; grants: GrantChain }>) {
		this.#makeDeps = makeDeps;
	}

	get share() { return this.#share; }
	/** Why nothing is shown: revoked, expired, or a broken link. */
	get refusal() { return this.#refusal; }
	get busy() { return this.#busy; }

	async open(fragment: string): Promise<boolean> {
		this.#busy = 'Checking the share on the blockchain…';
		this.#share = null;
		this.#refusal = null;
		try {
			this.#deps ??= await this.#makeDeps();
			const { openShareLink } = await useCases();
			this.#share = await openShareLink(this.#deps, fragment);
			return true;
		} catch (err) {
			this.#refusal = { name: err instanceof Error ? err.name : 'Error', text: messageOf(err) };
			return false;
		} finally {
			this.#busy = null;
		}
	}

	/** Decrypts one attachment; refuses (and hides the records) if the share ended meanwhile. */
	async openAttachment(record: SharedRecord, attachment: SharedAttachment): Promise<Blob> {
		const share = this.#share;
		if (!share || !this.#deps) throw new Error('no share is open');
		try {
			await ensureActive(this.#deps.grants, share);
		} catch (err) {
			this.#share = null;
			this.#refusal = { name: err instanceof Error ? err.name : 'Error', text: messageOf(err) };
			throw err;
		}
		const { openSharedAttachment } = await useCases();
		return collect(openSharedAttachment(this.#deps, share, record, attachment));
	}
}
