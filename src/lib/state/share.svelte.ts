import { isAddress } from '../types';
import type { Hex } from '../vault/ports';
import type { Ports } from '../vault/deps';
import type { ProviderProfile } from '../vault/providerPorts';
import type { GrantScope } from '../records/model';
import type { AccessRequestItem, MyGrant } from '../vault/sharing';
import type { VaultAccess } from './vault.svelte';
import { noticeOf } from './notice';
import { Busy } from './busy.svelte';

/** An access request as the patient sees it, opened (or with the problem that kept it closed). */
export type AccessRequestView = AccessRequestItem;
export type { GrantScope, MyGrant };

/** What the patient's sharing page reaches. */
export type SharePorts = Pick<Ports, 'signer' | 'chain' | 'blobs' | 'local' | 'grants' | 'providers'>;

// Sharing pulls Umbral and the grant use cases: loaded on first use, not in the first paint.
const useCases = () => import('../vault/sharing');

/** A share link the patient just made or asked to see again, shown with its QR code. */
export interface MadeLink {
	url: string;
	grantId: bigint;
	expiresAt: number;
	scope: GrantScope;
}

/** The patient's side: grants, revocations, share links, and incoming access requests. */
export class ShareState {
	#ports: () => Promise<SharePorts>;
	#vault: VaultAccess;
	#ui = new Busy();
	#grants = $state<MyGrant[]>([]);
	#requests = $state<AccessRequestView[]>([]);
	#names = $state<Record<string, ProviderProfile | null>>({});
	#loaded = $state(false);
	#link = $state<MadeLink | null>(null);
	#siteUrl: string;
	#skip: (() => Promise<(sender: Hex) => boolean>) | undefined;

	/**
	 * `siteUrl`: where a share link opens this same site (everything before the hash).
	 * `skip` says which senders are blocked (TrustState.skipper): their access requests are never opened or shown.
	 */
	constructor(ports: () => Promise<SharePorts>, vault: VaultAccess, siteUrl: string, options: { skip?: () => Promise<(sender: Hex) => boolean> } = {}) {
		this.#ports = ports;
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
			const profile = await (await this.#ports()).providers.readProvider(address);
			this.#names = { ...this.#names, [key]: profile };
			return profile;
		} catch (err) {
			this.#ui.notice = noticeOf(err);
			return null;
		}
	}

	async load(): Promise<boolean> {
		return this.#ui.run('Reading your shares from the chain…', async () => {
			await this.#refresh();
			this.#loaded = true;
		});
	}

	async grant(p: { grantee: Hex; scope: GrantScope; expiresAt: number }): Promise<boolean> {
		return this.#ui.run('Preparing the shared records, then confirm the grant in your wallet…', async () => {
			const [{ grantAccess }, ports] = await Promise.all([useCases(), this.#ports()]);
			const { value: grantId } = await this.#vault.change(async (v) => {
				const made = await grantAccess(ports, v, p);
				return { vault: made.vault, value: made.grantId };
			});
			const who = this.profileOf(p.grantee)?.name ?? p.grantee;
			this.#ui.notice = { kind: 'success', text: `Shared with ${who} (grant #${grantId}).` };
			await this.#refresh();
		});
	}

	async revoke(grantId: bigint): Promise<boolean> {
		return this.#ui.run('Confirm the revocation in your wallet…', async () => {
			const [{ revokeAccess }, ports] = await Promise.all([useCases(), this.#ports()]);
			await this.#vault.change(async (v) => ({ vault: await revokeAccess(ports, v, grantId), value: null }));
			this.#ui.notice = {
				kind: 'success',
				text: 'Revoked. Nothing you add from now on reaches them. What they already received cannot be taken back.'
			};
			await this.#refresh();
		});
	}

	async createLink(p: { scope: GrantScope; expiresAt: number }): Promise<boolean> {
		return this.#ui.run('Preparing the link, then confirm the grant in your wallet…', async () => {
			const [{ createShareLink }, ports] = await Promise.all([useCases(), this.#ports()]);
			const { value } = await this.#vault.change(async (v) => {
				const made = await createShareLink(ports, v, p, this.#siteUrl);
				return { vault: made.vault, value: made };
			});
			this.#link = { url: value.url, grantId: value.grantId, expiresAt: p.expiresAt, scope: p.scope };
			await this.#refresh();
		});
	}

	/** Rebuilds one of the patient's active share links from the chain and the vault keys, and shows it. */
	async showLink(grant: MyGrant): Promise<boolean> {
		return this.#ui.run('Rebuilding the link from your keys…', async () => {
			const [{ showShareLink }, ports] = await Promise.all([useCases(), this.#ports()]);
			const url = await showShareLink(ports, await this.#vault.get(), BigInt(grant.id), this.#siteUrl);
			this.#link = { url, grantId: BigInt(grant.id), expiresAt: grant.expiresAt, scope: grant.scope };
		});
	}

	async answer(request: AccessRequestView, p: { approve: boolean; expiresAt?: number }): Promise<boolean> {
		const busy = p.approve ? 'Preparing the shared records, then confirm the grant in your wallet (it answers the request too)…' : 'Confirm your answer in your wallet…';
		return this.#ui.run(busy, async () => {
			const [{ answerAccessRequest }, ports] = await Promise.all([useCases(), this.#ports()]);
			await this.#vault.change(async (v) => ({ vault: await answerAccessRequest(ports, v, request, p), value: null }));
			this.#ui.notice = {
				kind: 'success',
				text: p.approve ? 'Approved: they can now see the requested categories.' : 'Declined. They see your answer; nothing was shared.'
			};
			await this.#refresh();
		});
	}

	async #refresh(): Promise<void> {
		const [{ listMyGrants, listAccessRequests }, ports, vault, skip] = await Promise.all([useCases(), this.#ports(), this.#vault.get(), this.#skip?.()]);
		const [grants, requests] = await Promise.all([listMyGrants(ports, vault), listAccessRequests(ports, vault, skip ? { skip } : {})]);
		this.#grants = grants;
		this.#requests = requests;
		await Promise.all(grants.map((g) => this.lookupProvider(g.grantee)));
	}
}
