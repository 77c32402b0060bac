import { getContext, setContext } from 'svelte';
import type { AppConfig } from '../config';
import type { WalletSession } from '../wallet/session.svelte';
import type { Ports, ViewerPorts } from '../vault/deps';
import type { ByteSink } from '../vault/backup/ports';
import { buildPorts, buildViewerPorts, type Environment } from './ports';
import { VaultState } from './vault.svelte';
import { ShareState } from './share.svelte';
import { SharedState } from './shared.svelte';
import { LinkState } from './link.svelte';
import { InboxState } from './inbox.svelte';
import { ProviderState } from './provider.svelte';
import { TrustState } from './trust.svelte';
import { ScanProgressState } from './scanProgress.svelte';
import { ChartsState } from './charts.svelte';
import { HomeState } from './home.svelte';
import { ImportState } from './import.svelte';
import { ExportState } from './export.svelte';
import { ShlState, ShlViewerState } from './shl.svelte';
import { BackupState } from './backup.svelte';
import { StorageState } from './storage.svelte';
import { FormDrafts } from './drafts.svelte';
import { RemoteCopiesState } from './remoteCopies.svelte';
import { ResearchState } from './research.svelte';
import { ResearcherState } from './researcher.svelte';
import { AuditState } from './audit.svelte';
import { IntegrityState } from './integrity.svelte';
import { BackupUnavailableError } from '../vault/backup/errors';
import { EmergencyState } from './emergency.svelte';
import { EmergencyRequestPageState } from './emergencyRequest.svelte';
import { EmergencyUnavailableError } from '../vault/emergency/errors';

export interface AppOptions {
	config: AppConfig;
	wallet: WalletSession;
	/** Where blobs and local values live, and what this page may hold (browserEnvironment in a tab). */
	env: Environment;
	/** Where a share link opens this same site: everything before the hash. */
	siteUrl: string;
	/** Opens a file on disk to stream into (the save dialog, or a staging file then a download); `kind` picks the dialog's file type. */
	saveFile(name: string, kind?: 'backup'): Promise<ByteSink>;
}

/**
 * The composition root: built once per page. It builds every adapter once
 * per wallet account and chain (into one Ports object), owns the page
 * states, and follows the wallet: another account or chain locks the vault,
 * drops the ports and starts new page states. Routes only read it and call
 * its states' methods.
 */
export class App {
	readonly config: AppConfig;
	readonly wallet: WalletSession;
	/** How far the current chain scan has got: every chain adapter reports here. */
	readonly scan = new ScanProgressState();
	readonly vault: VaultState;
	/** This device's block store and storage quota (Settings). */
	readonly storage: StorageState;
	/** The share-link viewer: no wallet, a read-only chain. */
	readonly link: LinkState;
	/** The SMART Health Links viewer: no wallet, no chain, fetches only from the site's gateways. */
	readonly shl: ShlViewerState;

	#env: Environment;
	#siteUrl: string;
	#saveFile: AppOptions['saveFile'];
	#ports: Promise<Ports> | null = null;
	#viewerPorts: Promise<ViewerPorts> | null = null;
	#pages: AccountPages;

	constructor(options: AppOptions) {
		this.config = options.config;
		this.wallet = options.wallet;
		this.#env = options.env;
		this.#siteUrl = options.siteUrl;
		this.#saveFile = options.saveFile;
		this.vault = new VaultState(() => this.ports(), {
			refusal: options.env.refusal,
			onOpen: () => {
				options.env.onVaultOpen?.();
				// Chain scans from now on are kept sealed under this vault (vault/audit/eventCache).
				void Promise.all([this.ports(), this.vault.get()]).then(([ports, vault]) => ports.eventCache?.open(vault), () => {});
			},
			// Every new record, index block, key header and grant bundle goes to the remote copies, in the background.
			onVault: (vault) => void this.#pages.remote.track(vault)
		});
		this.storage = new StorageState(
			options.env.storage ?? { localStore: () => Promise.reject(new Error('This page keeps no blocks of its own.')) }
		);
		this.link = new LinkState(() => this.#viewer());
		this.shl = new ShlViewerState({ allowedOrigins: allowedOrigins(options.config, options.siteUrl) });
		this.#pages = $state.raw(this.#newPages());
		// Another account or chain in the wallet means another vault: lock and look again.
		this.wallet.onChange(() => {
			this.#ports = null;
			this.lock();
			if (this.wallet.status === 'connected') void this.vault.check();
		});
	}

	/** Opens a file on disk to stream into: Save to disk, backups. */
	saveFile(name: string, kind?: 'backup'): Promise<ByteSink> {
		return this.#saveFile(name, kind);
	}

	/** The page states of the connected account: new ones after a lock or an account change. */
	get pages(): AccountPages { return this.#pages; }

	/** Reconnects a wallet that already authorised this site, without a prompt; true when it did. */
	start(): Promise<boolean> {
		return this.wallet.restore();
	}

	/**
	 * Every adapter for the connected account, built on first use and shared
	 * by every page state until the account or chain changes.
	 */
	ports(): Promise<Ports> {
		if (this.#ports) return this.#ports;
		const building = buildPorts(this.config, this.wallet, this.#env, this.scan.report);
		// A failed build (wallet gone, RPC down at that moment) is forgotten, so the next use tries again.
		building.catch(() => {
			if (this.#ports === building) this.#ports = null;
		});
		return (this.#ports = building);
	}

	/** Forgets the vault's keys and everything the pages opened with them. */
	lock(): void {
		this.vault.lock();
		this.#pages.remote.stop();
		this.#pages = this.#newPages();
	}

	#viewer(): Promise<ViewerPorts> {
		if (this.#viewerPorts) return this.#viewerPorts;
		const building = buildViewerPorts(this.config, this.#env, this.scan.report);
		building.catch(() => {
			if (this.#viewerPorts === building) this.#viewerPorts = null;
		});
		return (this.#viewerPorts = building);
	}

	#newPages(): AccountPages {
		return accountPages(this, () => this.ports(), this.#siteUrl, this.#saveFile);
	}
}

/**
 * The page states of one unlocked account, all over the app's one set of
 * ports and its one vault. A new area adds its state here, in one line.
 */
function accountPages(app: App, ports: () => Promise<Ports>, siteUrl: string, saveFile: AppOptions['saveFile']) {
	const { config, vault } = app;
	const trust = new TrustState(ports, vault, { schema: config.providerSchemaUid, attesters: config.trustedAttesters });
	const share = new ShareState(ports, vault, siteUrl, { skip: trust.skipper });
	const inbox = new InboxState(ports, vault, { skip: trust.skipper, content: () => vault.fhirContent() });
	const remote = new RemoteCopiesState({ ports, vault, suggested: config.pinning?.endpoint ?? null });
	const emergencyPorts = async () => {
		const all = await ports();
		if (!all.emergency) throw new EmergencyUnavailableError();
		return { ...all, emergency: all.emergency };
	};
	return {
		remote,
		trust,
		share,
		inbox,
		home: new HomeState({ lists: () => vault.currentLists(), inbox, share, copies: remote }),
		shared: new SharedState(ports, vault),
		audit: new AuditState(ports, vault, trust),
		integrity: new IntegrityState(ports, vault),
		drafts: new FormDrafts(),
		provider: new ProviderState(ports, vault),
		import: new ImportState({ fhirContent: (records, onProgress) => vault.fhirContent(records, onProgress), add: (records) => vault.add(records) }),
		export: new ExportState({ exportFhir: (kind, categories, onProgress) => vault.exportFhir(kind, categories, onProgress) }),
		charts: new ChartsState({ records: () => vault.records, fhirContent: (records, onProgress) => vault.fhirContent(records, onProgress) }),
		shl: new ShlState(ports, vault, siteUrl, config.gateways),
		research: new ResearchState({ ports, vault, resources: async () => (await vault.fhirContent()).resources.map((r) => r.resource), identify: (a) => trust.identify(a) }),
		researcher: new ResearcherState(ports, vault),
		emergency: new EmergencyState(emergencyPorts, vault, { lists: () => vault.currentLists(), identify: (address) => trust.identify(address) }),
		emergencyRequest: new EmergencyRequestPageState(emergencyPorts, vault),
		backup: new BackupState({
			deps: async () => {
				const all = await ports();
				if (!all.backup) throw new BackupUnavailableError();
				return { ...all, backup: all.backup };
			},
			vault: () => vault.get(),
			saveFile: (name) => saveFile(name, 'backup'),
			// A restored vault is looked for again, so it can be unlocked at once.
			afterImport: () => vault.check()
		})
	};
}

export type AccountPages = ReturnType<typeof accountPages>;

/** The origins a page may fetch from beside its RPC and peers (scripts/csp.mjs: connect-src has 'self' and every gateway). */
function allowedOrigins(config: AppConfig, siteUrl: string): string[] {
	const origins = new Set<string>();
	for (const u of [siteUrl, ...config.gateways]) {
		if (URL.canParse(u)) origins.add(new URL(u).origin);
	}
	return [...origins];
}

const KEY = Symbol('carevault-app');

export const setApp = (app: { readonly current: App | null }) => setContext(KEY, app);
/** The page's app object; only inside the layout's children, which render once it exists. */
export const getApp = (): App => {
	const app = getContext<{ readonly current: App | null }>(KEY).current;
	if (!app) throw new Error('the app has not started');
	return app;
};
