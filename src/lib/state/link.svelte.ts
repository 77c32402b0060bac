import type { ViewerPorts } from '../vault/deps';
import type { OpenedShare, SharedRecord, SharedAttachment } from '../vault/sharing';
import { messageOf } from '../errors';
import { plainBlob } from './shared.svelte';
import { perfMark } from './perfMarks';
import { warmViewerPorts } from './ports';
import { getSodium, getUmbral } from '../crypto/sodium';

// Sharing pulls Umbral and the grant use cases: loaded on first use, not in the first paint.
const useCases = () => import('../vault/sharing');

/**
 * Starts loading what opening a share link needs (the sharing use cases, the
 * chain reader, libsodium and Umbral) while the page is still starting: the
 * layout calls it when the page is opened on a link, so this code no longer
 * waits for the site's config and the route (bench: `link_open_ms`).
 */
export function warmLinkViewer(): void {
	for (const loading of [useCases(), warmViewerPorts(), getSodium(), getUmbral()]) loading.catch(() => {});
}

/** The link viewer (no wallet): checks the grant on-chain, then shows exactly what was shared. */
export class LinkState {
	#ports: () => Promise<ViewerPorts>;
	#share = $state<OpenedShare | null>(null);
	#refusal = $state<{ name: string; text: string } | null>(null);
	#busy = $state<string | null>(null);

	constructor(ports: () => Promise<ViewerPorts>) {
		this.#ports = ports;
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
			perfMark('link:open');
			const [{ openShareLink }, ports] = await Promise.all([
				useCases().finally(() => perfMark('link:code')),
				this.#ports().finally(() => perfMark('link:ports'))
			]);
			const grants: ViewerPorts['grants'] = { readGrant: (id) => ports.grants.readGrant(id).finally(() => perfMark('link:grant')) };
			this.#share = await openShareLink({ blobs: ports.blobs, grants }, fragment);
			perfMark('link:opened');
			return true;
		} catch (err) {
			this.#refuse(err);
			return false;
		} finally {
			this.#busy = null;
		}
	}

	/** Decrypts one attachment; refuses (and hides the records) if the share ended meanwhile. */
	async openAttachment(record: SharedRecord, attachment: SharedAttachment): Promise<Blob> {
		const share = this.#share;
		if (!share) throw new Error('no share is open');
		const [{ openSharedAttachment, GrantRevokedError, GrantExpiredError }, ports] = await Promise.all([useCases(), this.#ports()]);
		try {
			return await plainBlob(openSharedAttachment(ports, share, record, attachment));
		} catch (err) {
			if (err instanceof GrantRevokedError || err instanceof GrantExpiredError) this.#refuse(err);
			throw err;
		}
	}

	#refuse(err: unknown): void {
		this.#share = null;
		this.#refusal = { name: err instanceof Error ? err.name : 'Error', text: messageOf(err) };
	}
}
