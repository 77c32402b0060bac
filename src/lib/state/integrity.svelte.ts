import type { Ports } from '../vault/deps';
import type { VaultRecord } from '../records/model';
import type { RecordAnchorCheck } from '../vault/verifyRecord';
import type { VaultAccess } from './vault.svelte';
import { messageOf } from '../errors';

/** What the check reaches: the chain (batch anchors), the blob store and device store (sealed batch blocks). */
export type IntegrityPorts = Pick<Ports, 'chain' | 'blobs' | 'local' | 'signer'>;

/** One record's check as the record view shows it. */
export type IntegrityView = { status: 'checking' } | { status: 'done'; check: RecordAnchorCheck } | { status: 'failed'; text: string };

/**
 * Each record's proof against the chain: its attachments' manifests are
 * proven under the Merkle root its batch's BatchCommitted event holds
 * (vault/verifyRecord). Checked once per record per unlock.
 */
export class IntegrityState {
	#ports: () => Promise<IntegrityPorts>;
	#vault: VaultAccess;
	#views = $state<Record<string, IntegrityView>>({});

	constructor(ports: () => Promise<IntegrityPorts>, vault: VaultAccess) {
		this.#ports = ports;
		this.#vault = vault;
	}

	of(recordId: string): IntegrityView | undefined {
		return this.#views[recordId];
	}

	async check(record: VaultRecord): Promise<void> {
		if (this.#views[record.id]) return;
		this.#views = { ...this.#views, [record.id]: { status: 'checking' } };
		let view: IntegrityView;
		try {
			const [{ verifyRecordAnchor }, ports, vault] = await Promise.all([import('../vault/verifyRecord'), this.#ports(), this.#vault.get()]);
			view = { status: 'done', check: await verifyRecordAnchor(ports, vault, record) };
		} catch (err) {
			view = { status: 'failed', text: messageOf(err) };
		}
		this.#views = { ...this.#views, [record.id]: view };
	}
}
