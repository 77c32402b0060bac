import type { Ports } from '../vault/deps';
import type { GrantScope } from '../records/model';
import type { FhirResource } from '../records/fhir/validate';
import type { VaultAccess } from './vault.svelte';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';
import type { MyShl } from '../vault/shl/list';

// jose and the SHL use cases are needed only on the share page and the SHL viewer.
const useCases = () => import('../vault/shl');

/** What the patient's SMART Health Link section reaches. */
export type ShlPorts = Pick<Ports, 'blobs' | 'local'>;

// The list of links made on this device (libsodium): not needed by the viewer.
const listCases = () => import('../vault/shl/list');

/** A SMART Health Link the patient just made, shown with its viewer URL and QR code. */
export interface MadeShlView {
	/** `shlink:/...`, for any SMART Health Links viewer. */
	link: string;
	/** This site's own viewer: `<siteUrl>#shlink:/...`. */
	viewerUrl: string;
	exp: number;
	label?: string;
	resources: number;
	documents: number;
	/** Whether the gateway answered for the file right after it was made (false: only this device holds it so far). */
	served: boolean;
}

/**
 * The patient's SMART Health Links: made from the unlocked vault, stored on
 * IPFS, served by the site's first gateway. Nothing is recorded on-chain or
 * in the vault index: such a link cannot be listed, revoked or audited later.
 */
export class ShlState {
	#ports: () => Promise<ShlPorts>;
	#vault: VaultAccess;
	#siteUrl: string;
	#gateways: readonly string[];
	#ui = new Busy();
	#made = $state<MadeShlView | null>(null);
	#list = $state<MyShl[] | null>(null);
	#fetch: typeof globalThis.fetch;

	/** `siteUrl`: everything before the hash (the viewer URL's prefix); `gateways`: config.gateways (the first serves the file). */
	constructor(ports: () => Promise<ShlPorts>, vault: VaultAccess, siteUrl: string, gateways: readonly string[], options: { fetch?: typeof globalThis.fetch } = {}) {
		this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.#ports = ports;
		this.#vault = vault;
		this.#siteUrl = siteUrl;
		this.#gateways = gateways;
	}

	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	get made() { return this.#made; }
	/** The links made on this device, newest first (null until loaded). */
	get list() { return this.#list; }
	/** Whether this site names a gateway to serve links from. */
	get available() { return this.#gateways.length > 0; }
	dismissNotice() { this.#ui.notice = null; }
	dismiss() { this.#made = null; }

	/** Reads the list of links made on this device (for loadWhenUnlocked). A list that does not open shows a notice and counts as empty. */
	async load(): Promise<void> {
		const [{ loadShlList }, ports, vault] = await Promise.all([listCases(), this.#ports(), this.#vault.get()]);
		try {
			this.#list = await loadShlList(ports.local, vault);
		} catch (err) {
			this.#list = [];
			this.#ui.notice = { kind: 'error', text: messageOf(err) };
		}
	}

	/**
	 * Unpins a link's file: this device and our IPFS peers stop keeping and
	 * serving it. Copies made elsewhere may persist; the notice says so.
	 */
	async unpin(cid: string): Promise<boolean> {
		return this.#ui.run('Unpinning the link’s file here and on our IPFS peers…', async () => {
			const [{ unpinShl }, ports, vault] = await Promise.all([listCases(), this.#ports(), this.#vault.get()]);
			const { list, report } = await unpinShl(ports, vault, cid);
			this.#list = list;
			const peers = report.remote.filter((r) => r.status === 'unpinned').length;
			const notReached = report.remote.length - peers;
			const where = report.remote.length === 0 ? 'No IPFS peer was connected to ask: a peer that keeps a copy may still serve it.' : notReached > 0 ? `${peers} of ${report.remote.length} IPFS peers dropped it; the others may still serve it.` : `Our IPFS peers (${peers}) dropped it.`;
			this.#ui.notice = {
				kind: notReached > 0 || report.remote.length === 0 ? 'error' : 'success',
				text: `Unpinned: this device no longer keeps the link’s file. ${where} Copies made elsewhere (a gateway’s cache, a doctor’s download, another IPFS node) may persist, and anyone holding such a copy and the link can still open it.`
			};
		});
	}

	async create(p: { scope: GrantScope; exp: number; label?: string }): Promise<boolean> {
		this.#made = null;
		return this.#ui.run('Encrypting the chosen records into a SMART Health Link…', async () => {
			const [{ makeShl }, { rememberShl }, ports, vault] = await Promise.all([useCases(), listCases(), this.#ports(), this.#vault.get()]);
			const made = await makeShl(ports, vault, { ...p, gateway: this.#gateways[0] ?? '' });
			try {
				this.#list = await rememberShl(ports, vault, made);
			} catch (err) {
				this.#ui.notice = { kind: 'error', text: `The link was made, but this device could not add it to its list, so it cannot be unpinned from here: ${messageOf(err)}` };
			}
			this.#made = {
				link: made.link,
				viewerUrl: `${this.#siteUrl}#${made.link}`,
				exp: p.exp,
				...(made.payload.label ? { label: made.payload.label } : {}),
				resources: made.resources,
				documents: made.documents,
				served: await this.#served(made.payload.url)
			};
		});
	}

	/** Asks the gateway for the file's headers, as a doctor's viewer would ask for the file. */
	async #served(url: string): Promise<boolean> {
		try {
			const response = await this.#fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000), credentials: 'omit' });
			return response.ok;
		} catch {
			return false;
		}
	}
}

/** A SMART Health Link as the viewer shows it. */
export interface OpenedShlView {
	label?: string;
	exp?: number;
	host: string;
	resources: FhirResource[];
	problems: string[];
}

/**
 * The SMART Health Links viewer: no wallet, no vault, no IPFS node. It
 * fetches the link's file from the link's url (only from origins this page
 * may contact), decrypts it here, and keeps what it read in memory only.
 */
export class ShlViewerState {
	#fetch: typeof globalThis.fetch;
	#allowedOrigins: readonly string[] | undefined;
	#opened = $state.raw<OpenedShlView | null>(null);
	#refusal = $state<{ name: string; text: string } | null>(null);
	#busy = $state<string | null>(null);

	/** `allowedOrigins`: the origins the page's CSP lets it fetch from (undefined: any). */
	constructor(options: { fetch?: typeof globalThis.fetch; allowedOrigins?: readonly string[] } = {}) {
		this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.#allowedOrigins = options.allowedOrigins;
	}

	get opened() { return this.#opened; }
	get refusal() { return this.#refusal; }
	get busy() { return this.#busy; }

	clear(): void {
		this.#opened = null;
		this.#refusal = null;
	}

	async open(text: string): Promise<boolean> {
		this.clear();
		this.#busy = 'Fetching and decrypting the shared records…';
		try {
			const { openShl } = await useCases();
			this.#opened = await openShl({ fetch: this.#fetch }, text, this.#allowedOrigins ? { allowedOrigins: this.#allowedOrigins } : {});
			return true;
		} catch (err) {
			this.#refusal = { name: err instanceof Error ? err.name : 'Error', text: messageOf(err) };
			return false;
		} finally {
			this.#busy = null;
		}
	}
}
