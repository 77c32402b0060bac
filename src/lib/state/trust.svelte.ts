import type { LocalStore, Hex } from '../vault/ports';
import type { IdentifyDeps, ProviderIdentity, SiteTrust } from '../vault/providers/identify';
import type { TrustPreferences } from '../vault/providers/preferences';
import type { DirectoryEntry } from '../vault/providers/directory';
import type { VaultAccess } from './vault.svelte';
import { noticeOf } from './notice';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';

/** What the trust settings reach: provider profiles, attestations (when the site names EAS) and this device's store. */
export type TrustDeps = IdentifyDeps & { local: LocalStore };

const prefsModule = () => import('../vault/providers/preferences');

/**
 * The patient's trust settings (attesters, pinned providers, blocked senders),
 * stored encrypted on this device, and who each sender is under them.
 */
export class TrustState {
	#ports: () => Promise<TrustDeps>;
	#vault: VaultAccess;
	#site: SiteTrust;
	#prefs = $state<TrustPreferences | null>(null);
	#loading: Promise<TrustPreferences> | null = null;
	#identities = $state<Record<string, ProviderIdentity>>({});
	#pending = new Map<string, Promise<ProviderIdentity | null>>();
	#directory = $state<{ entries: DirectoryEntry[] | null; problem: string | null }>({ entries: null, problem: null });
	#directoryLoading: Promise<void> | null = null;
	#ui = new Busy();

	constructor(ports: () => Promise<TrustDeps>, vault: VaultAccess, site: SiteTrust) {
		this.#ports = ports;
		this.#vault = vault;
		this.#site = site;
	}

	get prefs() { return this.#prefs; }
	get siteAttesters() { return this.#site.attesters; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	/** Reads the stored settings (for loadWhenUnlocked). */
	load(): Promise<TrustPreferences> {
		return this.preferences();
	}

	/** The stored settings (read once). A settings blob that does not open shows a notice and counts as empty. */
	async preferences(): Promise<TrustPreferences> {
		if (this.#prefs) return this.#prefs;
		this.#loading ??= (async () => {
			const { loadTrustPreferences, EMPTY_TRUST_PREFERENCES } = await prefsModule();
			let prefs: TrustPreferences;
			try {
				prefs = await loadTrustPreferences((await this.#ports()).local, await this.#vault.get());
			} catch (err) {
				this.#ui.notice = noticeOf(err);
				prefs = { ...EMPTY_TRUST_PREFERENCES };
			}
			this.#prefs = prefs;
			return prefs;
		})();
		return this.#loading;
	}

	/** For InboxState and ShareState: the blocked-sender test, from the stored settings. */
	skipper = async (): Promise<(sender: Hex) => boolean> => {
		const { isBlocked } = await import('../vault/providers/verify');
		const prefs = await this.preferences();
		return (sender) => isBlocked(prefs, sender);
	};

	/** The verified providers a patient can search by name (null until read), and why they could not be read. */
	get directory() { return this.#directory; }

	/** Reads the verified providers once (again after the trust settings change or on `refresh`). */
	loadDirectory(refresh = false): Promise<void> {
		if (refresh) this.#directoryLoading = null;
		this.#directoryLoading ??= (async () => {
			try {
				const [{ listVerifiedProviders }, deps, prefs] = await Promise.all([import('../vault/providers/directory'), this.#ports(), this.preferences()]);
				this.#directory = { entries: await listVerifiedProviders(deps, this.#site, prefs), problem: null };
			} catch (err) {
				this.#directoryLoading = null;
				this.#directory = { entries: this.#directory.entries, problem: `The list of verified providers could not be read: ${messageOf(err)}` };
			}
		})();
		return this.#directoryLoading;
	}

	/** Who `address` is, once looked up (undefined until then). */
	identityOf(address: string): ProviderIdentity | undefined {
		return this.#identities[address.toLowerCase()];
	}

	/** Forgets who everyone is, so the next lookups read the chain again (a new or revoked attestation shows). */
	forget(): void {
		this.#identities = {};
		this.#directoryLoading = null;
	}

	/** Looks up (once per settings change) who `address` is. */
	async identify(address: Hex): Promise<ProviderIdentity | null> {
		const key = address.toLowerCase();
		const known = this.#identities[key];
		if (known) return known;
		let pending = this.#pending.get(key);
		if (!pending) {
			pending = (async () => {
				try {
					const [{ identifyProvider }, deps, prefs] = await Promise.all([import('../vault/providers/identify'), this.#ports(), this.preferences()]);
					const identity = await identifyProvider(deps, this.#site, prefs, address);
					this.#identities = { ...this.#identities, [key]: identity };
					return identity;
				} catch (err) {
					// Never left "checking" for ever: whoever could not be checked is unverified, with the reason.
					const identity: ProviderIdentity = { address, declared: null, trust: { status: 'unverified' }, problem: `Could not check who this is: ${messageOf(err)}` };
					this.#identities = { ...this.#identities, [key]: identity };
					return identity;
				} finally {
					this.#pending.delete(key);
				}
			})();
			this.#pending.set(key, pending);
		}
		return pending;
	}

	async addAttester(attester: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.addAttester(prefs, attester));
	}
	async removeAttester(attester: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.removeAttester(prefs, attester));
	}
	async pin(provider: string, name: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.pinProvider(prefs, provider, name));
	}
	async unpin(provider: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.unpinProvider(prefs, provider));
	}
	async block(sender: string, name?: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.blockSender(prefs, sender, name));
	}
	async unblock(sender: string): Promise<boolean> {
		return this.#change('Saving…', async (m, prefs) => m.unblockSender(prefs, sender));
	}

	async #change(busy: string, fn: (m: Awaited<ReturnType<typeof prefsModule>>, prefs: TrustPreferences) => Promise<TrustPreferences>): Promise<boolean> {
		return this.#ui.run(busy, async () => {
			const m = await prefsModule();
			const next = await fn(m, await this.preferences());
			await m.saveTrustPreferences((await this.#ports()).local, await this.#vault.get(), next);
			this.#prefs = next;
			this.#loading = Promise.resolve(next);
			// Who counts as verified may have changed: look everyone up again.
			const known = Object.values(this.#identities).map((i) => i.address);
			this.#identities = {};
			await Promise.all(known.map((a) => this.identify(a)));
			if (this.#directory.entries) await this.loadDirectory(true);
		});
	}
}
