import { createVault, type CreateVaultStep } from '../vault/createVault';
import { findVaultHeader, unlockVault, type UnlockMethod } from '../vault/unlockVault';
import { encryptRecords, type AddProgress, type NewRecord } from '../vault/addRecords';
import { commitRecords } from '../vault/commitRecords';
import { readAttachment, saveAttachment } from '../vault/openAttachment';
import type { ByteSink } from '../vault/backup/ports';
import type { OpenVault, VaultDeps } from '../vault/deps';
import { VaultExistsError, VaultNotFoundError } from '../vault/errors';
import { sortNewestFirst, type Attachment, type VaultRecord } from '../records/model';
import { wipeVaultKeys } from '../crypto/keys';
import { currentLists, type CurrentLists } from '../records/reconcile';
import { listSourceRecords, readFhirRecords, type FhirRecordsContent, type RecordContent, type UnreadableRecord } from '../vault/fhirRecords';
import { noticeOf, type Notice } from './notice';
import { messageOf } from '../errors';
import { passphraseStrength, type PassphraseStrength } from '../vault/passphraseStrength';

/** Runs after records reach the vault (added or accepted): extends active grants that cover them; may hand back a changed vault. */
export type AfterAdd = (vault: OpenVault, added: VaultRecord[]) => Promise<OpenVault | void>;

/** 'refused': this page may hold no vault (a shared gateway origin); `refusal` says why and what to do. */
export type VaultStatus = 'idle' | 'checking' | 'no-vault' | 'locked' | 'unlocked' | 'error' | 'refused';

const STEP_TEXT: Record<CreateVaultStep, string> = {
	signing: 'Sign the unlock message in your wallet (1 of 2)…',
	'signing-again': 'Sign it once more (2 of 2): this checks your wallet always gives the same signature…',
	storing: 'Storing your encrypted vault key…',
	publishing: 'Confirm the transactions that register your vault…',
	done: 'Vault created.'
};

/**
 * The patient's vault as the UI sees it. Adapters come in through `makeDeps`
 * so this class holds no browser or network code of its own.
 */
export class VaultState {
	#makeDeps: () => Promise<VaultDeps>;
	#deps: VaultDeps | null = null;
	#vault = $state<OpenVault | null>(null);
	#status = $state<VaultStatus>('idle');
	#busy = $state<string | null>(null);
	#progress = $state<AddProgress | null>(null);
	#notice = $state<Notice | null>(null);
	#recoveryCode = $state<string | null>(null);
	#pending = $state<VaultRecord[]>([]);
	#records = $derived(this.#vault ? sortNewestFirst(this.#vault.index.records) : []);
	// Decrypted FHIR content per record id, for this unlock only (records never change once committed).
	#contentCache = new Map<string, RecordContent>();
	// The add under way, so the page can cancel it.
	#adding: AbortController | null = null;

	#afterAdd: AfterAdd | null;
	#afterUnlock: ((vault: OpenVault) => Promise<OpenVault>) | null;
	#refusal: Error | null;

	/**
	 * `refusal`: why no vault may be created or unlocked on this page (see
	 * vault/originCheck), or null. When set, nothing asks the wallet for a signature.
	 */
	constructor(
		makeDeps: () => Promise<VaultDeps>,
		options: { afterAdd?: AfterAdd; afterUnlock?: (vault: OpenVault) => Promise<OpenVault>; refusal?: Error | null } = {}
	) {
		this.#makeDeps = makeDeps;
		this.#refusal = options.refusal ?? null;
		this.#afterAdd = options.afterAdd ?? null;
		this.#afterUnlock = options.afterUnlock ?? null;
	}

	get status(): VaultStatus { return this.#refusal ? 'refused' : this.#status; }
	/** Why this page may hold no vault, to show where Create and Unlock would be; null when it may. */
	get refusal(): string | null { return this.#refusal ? messageOf(this.#refusal) : null; }
	get busy() { return this.#busy; }
	get progress() { return this.#progress; }
	get notice() { return this.#notice; }
	get recoveryCode() { return this.#recoveryCode; }
	get records() { return this.#records; }
	get pending() { return this.#pending; }
	get address() { return this.#vault?.address ?? this.#deps?.signer.address ?? null; }

	/** The unlocked vault, for use cases that work on it (inbox, provider); null when locked. */
	get current(): OpenVault | null { return this.#vault; }
	/** Takes over a vault a use case changed (e.g. an accepted proposal added a record). */
	adopt(vault: OpenVault): void { this.#vault = vault; }

	/**
	 * Takes over a vault a use case changed and sends the records it added to
	 * active grantees. Resolves with a problem to show, or null.
	 */
	async adoptAndShare(vault: OpenVault, addedIds?: readonly string[]): Promise<string | null> {
		const before = this.#vault;
		this.#vault = vault;
		return this.#shareAdded(before, vault, addedIds);
	}

	/**
	 * `addedIds`: the records this tab added. Records merged in from another
	 * tab or device were already sent by the one that added them.
	 */
	async #shareAdded(before: OpenVault | null, after: OpenVault, addedIds?: readonly string[]): Promise<string | null> {
		if (!this.#afterAdd || !before) return null;
		const known = new Set(before.index.records.map((r) => r.id));
		const ours = addedIds && new Set(addedIds);
		const added = after.index.records.filter((r) => !known.has(r.id) && (!ours || ours.has(r.id)));
		if (added.length === 0) return null;
		const busy = this.#busy;
		this.#busy = 'Sending the new records to the people you share these categories with: confirm in your wallet…';
		try {
			const next = await this.#afterAdd(after, added);
			if (next && this.#vault === after) this.#vault = next;
			return null;
		} catch (err) {
			return `Saved in your vault, but not yet sent to the people you share with: ${messageOf(err)}`;
		} finally {
			this.#busy = busy;
		}
	}

	dismissNotice() { this.#notice = null; }
	dismissRecoveryCode() { this.#recoveryCode = null; }

	record(id: string): VaultRecord | undefined {
		return this.#vault?.index.records.find((r) => r.id === id);
	}

	/** Looks up whether the connected account has a vault (after connect or an account change). */
	async check(): Promise<void> {
		this.lock();
		if (this.#refusal) return;
		this.#deps = null;
		this.#status = 'checking';
		await this.#run('Looking for your vault…', async () => {
			const deps = await this.#ensureDeps();
			try {
				await findVaultHeader(deps, deps.signer.address);
				this.#status = 'locked';
			} catch (err) {
				if (err instanceof VaultNotFoundError) this.#status = 'no-vault';
				else throw err;
			}
		}, () => { this.#status = 'error'; });
	}

	async create(options: { passphrase?: string } = {}): Promise<void> {
		await this.#run(STEP_TEXT.signing, async () => {
			if (this.#refusal) throw this.#refusal;
			const deps = await this.#ensureDeps();
			let created;
			try {
				created = await createVault(deps, {
					passphrase: options.passphrase,
					onStep: (step) => { this.#busy = STEP_TEXT[step]; }
				});
			} catch (err) {
				// Made on another device or tab meanwhile: nothing was replaced; offer to unlock it.
				if (!(err instanceof VaultExistsError)) throw err;
				this.#status = 'locked';
				this.#notice = { kind: 'info', text: err.shortMessage };
				return;
			}
			const { vault, recoveryCode } = created;
			this.#vault = vault;
			this.#recoveryCode = recoveryCode;
			this.#status = 'unlocked';
			this.#notice = { kind: 'success', text: 'Your vault is ready. Write down the recovery code below.' };
		});
	}

	async unlock(method: UnlockMethod = { kind: 'wallet' }): Promise<void> {
		const text = method.kind === 'wallet' ? 'Sign the unlock message in your wallet…' : 'Unlocking…';
		await this.#run(text, async () => {
			if (this.#refusal) throw this.#refusal;
			const deps = await this.#ensureDeps();
			let vault = await unlockVault(deps, method);
			if (this.#afterUnlock) {
				// Grants and key epochs live on-chain too: a revoke made since the index was last
				// saved must still move new records to the next epoch.
				try {
					vault = await this.#afterUnlock(vault);
				} catch (err) {
					this.#notice = { kind: 'info', text: `Your shares could not be checked on the chain (${noticeOf(err).text}). Sharing pages may be out of date.` };
				}
			}
			this.#vault = vault;
			this.#status = 'unlocked';
		});
	}

	/** zxcvbn's verdict and feedback on a passphrase being typed for a new vault. */
	async passphraseStrength(passphrase: string): Promise<PassphraseStrength> {
		return passphraseStrength(passphrase, this.address ? [this.address] : []);
	}

	/** Forgets every key held in memory. */
	lock(): void {
		if (this.#vault) wipeVaultKeys(this.#vault.keys);
		this.#vault = null;
		this.#contentCache.clear();
		this.#pending = [];
		this.#recoveryCode = null;
		if (this.#status === 'unlocked') this.#status = 'locked';
	}

	/** Encrypts, stores and commits new records; returns true when all landed. */
	async add(inputs: NewRecord[]): Promise<boolean> {
		return this.#run('Encrypting and storing…', async () => {
			const vault = this.#requireVault();
			const deps = await this.#ensureDeps();
			this.#progress = { done: 0, total: inputs.reduce((n, r) => n + r.files.reduce((m, f) => m + f.size, 0), 0), file: '' };
			const adding = (this.#adding = new AbortController());
			let prepared;
			try {
				prepared = await encryptRecords(deps, vault, inputs, { signal: adding.signal, onProgress: (p) => { this.#progress = p; } });
			} catch (err) {
				// Whatever the worker or the store threw on the way out, a cancel is a cancel.
				throw adding.signal.aborted ? adding.signal.reason : err;
			} finally {
				this.#adding = null;
			}
			// Only now do the records reach the index: a cancelled or failed add leaves it as it was.
			this.#pending = prepared;
			await this.#commit(deps);
		});
	}

	/**
	 * Stops an add that is still encrypting and storing. Nothing reaches the
	 * index; blocks already written stay unpinned, so the store can reclaim them.
	 */
	cancelAdd(): void {
		this.#adding?.abort(new DOMException('Adding was cancelled.', 'AbortError'));
	}

	/** Whether an add can still be cancelled (it has not reached the wallet yet). */
	get canCancelAdd(): boolean { return this.#progress !== null && this.#pending.length === 0; }

	/** Sends the anchor transaction again for records already encrypted and stored. */
	async retryPending(): Promise<boolean> {
		return this.#run('Saving to your vault…', async () => this.#commit(await this.#ensureDeps()));
	}

	discardPending(): void { this.#pending = []; }

	async #commit(deps: VaultDeps): Promise<void> {
		this.#busy = 'Confirm the transaction in your wallet to save the records…';
		const count = this.#pending.length;
		const ids = this.#pending.map((r) => r.id);
		const before = this.#requireVault();
		this.#vault = await commitRecords(deps, before, this.#pending);
		this.#pending = [];
		const problem = await this.#shareAdded(before, this.#vault, ids);
		this.#notice = problem
			? { kind: 'error', text: problem }
			: { kind: 'success', text: count === 1 ? 'Record added.' : `${count} records added.` };
	}

	/**
	 * Decrypts the medication, problem and allergy records and reconciles them
	 * into the current lists. Each record's source travels with its items; a
	 * record that cannot be read is returned in `unreadable`, never fails the lists.
	 */
	async currentLists(): Promise<{ lists: CurrentLists; unreadable: UnreadableRecord[] }> {
		const content = await this.fhirContent(listSourceRecords(this.#requireVault().index.records));
		return { lists: currentLists(content.resources), unreadable: content.unreadable };
	}

	/**
	 * Decrypts and reads the FHIR resources of the given records (all FHIR
	 * records by default): the readable resources, and each unreadable record
	 * with its reasons. Records are decrypted once per unlock.
	 */
	async fhirContent(
		records: readonly VaultRecord[] = this.#requireVault().index.records,
		onProgress?: (done: number, total: number) => void
	): Promise<FhirRecordsContent> {
		const deps = await this.#ensureDeps();
		return readFhirRecords(deps, this.#requireVault(), records, { onProgress, cache: this.#contentCache });
	}

	/** Decrypts one attachment into a Blob for viewing or download. */
	async open(record: VaultRecord, attachment: Attachment): Promise<Blob> {
		const deps = await this.#ensureDeps();
		const parts = await readAttachment(deps, this.#requireVault(), record, attachment);
		// The sender's type is never used: viewers decide from the bytes (records/fileKind.ts).
		return new Blob(parts as BlobPart[], { type: 'application/octet-stream' });
	}

	/** Streams one attachment's plaintext into `sink` (a file on disk), never whole in memory. */
	async saveTo(
		record: VaultRecord,
		attachment: Attachment,
		sink: ByteSink,
		options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}
	): Promise<void> {
		const deps = await this.#ensureDeps();
		await saveAttachment(deps, this.#requireVault(), record, attachment, sink, options);
	}

	#requireVault(): OpenVault {
		if (!this.#vault) throw new Error('vault is locked');
		return this.#vault;
	}

	async #ensureDeps(): Promise<VaultDeps> {
		this.#deps ??= await this.#makeDeps();
		return this.#deps;
	}

	async #run(busy: string, work: () => Promise<void>, onError?: () => void): Promise<boolean> {
		this.#busy = busy;
		this.#notice = null;
		try {
			await work();
			return true;
		} catch (err) {
			this.#notice =
				err instanceof DOMException && err.name === 'AbortError'
					? { kind: 'cancelled', text: 'Cancelled. Nothing was added to your vault.' }
					: noticeOf(err);
			onError?.();
			return false;
		} finally {
			this.#busy = null;
			this.#progress = null;
		}
	}
}
