import type { CreateVaultStep } from '../vault/createVault';
import type { UnlockMethod } from '../vault/unlockVault';
import type { AddProgress, NewRecord } from '../vault/addRecords';
import type { ByteSink } from '../vault/backup/ports';
import type { OpenVault, Ports } from '../vault/deps';
import { VaultExistsError, VaultLockedError, VaultNotFoundError } from '../vault/errors';
import { sortNewestFirst, type Attachment, type Category, type VaultRecord } from '../records/model';
import type { ExportKind, FhirExport } from '../vault/exportFhir';
import { wipeVaultKeys } from '../crypto/keys';
import type { CurrentLists } from '../records/reconcile';
import type { FhirRecordsContent, RecordContent, UnreadableRecord } from '../vault/fhirRecords';
import { noticeOf } from './notice';
import { messageOf } from '../errors';
import type { PassphraseStrength } from '../vault/passphraseStrength';
import { Busy } from './busy.svelte';

// Sharing pulls Umbral: loaded when records are added or the vault unlocks, never in the first paint.
const sharing = () => import('../vault/sharing');
// The vault's own use cases pull viem and the FHIR code: loaded on first use too.
const useCases = () => import('./vaultUseCases');

/** A use case's result on the vault: the vault it returns, the records it added, and its own value. */
export interface VaultChange<T> {
	vault: OpenVault;
	/** Ids of the records this tab added (they go to active grantees); absent: every record `vault` holds that the old one did not. */
	added?: readonly string[];
	value: T;
}

/** How the other page states reach the one unlocked vault, which only VaultState holds. */
export interface VaultAccess {
	/** The unlocked vault; VaultLockedError when it is locked. */
	get(): Promise<OpenVault>;
	/**
	 * Runs a use case on the unlocked vault and keeps the vault it returns;
	 * records it added go to active grantees (the sharing rule). `problem` says
	 * why they could not be sent yet: the records are saved either way.
	 */
	change<T>(work: (vault: OpenVault) => Promise<VaultChange<T>>): Promise<{ value: T; problem: string | null }>;
}

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
 * The patient's vault as the UI sees it, and the only holder of the unlocked
 * vault: other page states reach it through VaultAccess. The app object hands
 * in its ports, so this class builds no adapter of its own.
 */
export class VaultState implements VaultAccess {
	#ports: () => Promise<Ports>;
	#vault = $state<OpenVault | null>(null);
	#status = $state<VaultStatus>('idle');
	#ui = new Busy();
	#progress = $state<AddProgress | null>(null);
	#recoveryCode = $state<string | null>(null);
	#pending = $state<VaultRecord[]>([]);
	#records = $derived(this.#vault ? sortNewestFirst(this.#vault.index.records) : []);
	// Decrypted FHIR content per record id, for this unlock only (records never change once committed).
	#contentCache = new Map<string, RecordContent>();
	// The add under way, so the page can cancel it.
	#adding: AbortController | null = null;
	#refusal: Error | null;
	#address = $state<string | null>(null);
	#onOpen: (() => void) | null;
	#onVault: ((vault: OpenVault) => void) | null;

	/**
	 * `refusal`: why no vault may be created or unlocked on this page (see
	 * vault/originCheck), or null. When set, nothing asks the wallet for a signature.
	 */
	constructor(ports: () => Promise<Ports>, options: { refusal?: Error | null; onOpen?: () => void; onVault?: (vault: OpenVault) => void } = {}) {
		this.#ports = ports;
		this.#refusal = options.refusal ?? null;
		this.#onOpen = options.onOpen ?? null;
		this.#onVault = options.onVault ?? null;
	}

	/** Keeps `vault` as the open vault and tells the app (remote copies follow every change). */
	#set(vault: OpenVault): void {
		this.#vault = vault;
		this.#onVault?.(vault);
	}

	get status(): VaultStatus { return this.#refusal ? 'refused' : this.#status; }
	/** Why this page may hold no vault, to show where Create and Unlock would be; null when it may. */
	get refusal(): string | null { return this.#refusal ? messageOf(this.#refusal) : null; }
	get busy() { return this.#ui.busy; }
	get progress() { return this.#progress; }
	get notice() { return this.#ui.notice; }
	get recoveryCode() { return this.#recoveryCode; }
	get records() { return this.#records; }
	get pending() { return this.#pending; }
	get address() { return this.#vault?.address ?? this.#address; }

	async get(): Promise<OpenVault> {
		if (!this.#vault) throw new VaultLockedError();
		return this.#vault;
	}

	async change<T>(work: (vault: OpenVault) => Promise<VaultChange<T>>): Promise<{ value: T; problem: string | null }> {
		const before = await this.get();
		const { vault, added, value } = await work(before);
		// Locked (or another account) meanwhile: the keys are gone, keep nothing.
		if (this.#vault !== before) return { value, problem: null };
		this.#set(vault);
		return { value, problem: await this.#shareAdded(before, vault, added) };
	}

	/** Sends the records `after` added to active grantees; resolves with a problem to show, or null. */
	async #shareAdded(before: OpenVault, after: OpenVault, addedIds?: readonly string[]): Promise<string | null> {
		const busy = this.#ui.busy;
		this.#ui.busy = 'Sending the new records to the people you share these categories with: confirm in your wallet…';
		try {
			const { shareNewRecords } = await sharing();
			const next = await shareNewRecords(await this.#ports(), before, after, addedIds);
			if (this.#vault === after) this.#set(next);
			return null;
		} catch (err) {
			return `Saved in your vault, but not yet sent to the people you share with: ${messageOf(err)}`;
		} finally {
			this.#ui.busy = busy;
		}
	}

	dismissNotice() { this.#ui.notice = null; }
	dismissRecoveryCode() { this.#recoveryCode = null; }

	record(id: string): VaultRecord | undefined {
		return this.#vault?.index.records.find((r) => r.id === id);
	}

	/** Looks up whether the connected account has a vault (after connect or an account change). */
	async check(): Promise<void> {
		this.lock();
		if (this.#refusal) return;
		this.#status = 'checking';
		await this.#ui.run('Looking for your vault…', async () => {
			try {
				const ports = await this.#ports();
				this.#address = ports.signer.address;
				const { findVaultHeader } = await useCases();
				await findVaultHeader(ports, ports.signer.address);
				this.#status = 'locked';
			} catch (err) {
				if (err instanceof VaultNotFoundError) this.#status = 'no-vault';
				else {
					this.#status = 'error';
					throw err;
				}
			}
		});
	}

	async create(options: { passphrase?: string } = {}): Promise<void> {
		await this.#ui.run(STEP_TEXT.signing, async () => {
			if (this.#refusal) throw this.#refusal;
			const { createVault } = await useCases();
			let created;
			try {
				created = await createVault(await this.#ports(), {
					passphrase: options.passphrase,
					onStep: (step) => { this.#ui.busy = STEP_TEXT[step]; }
				});
			} catch (err) {
				// Made on another device or tab meanwhile: nothing was replaced; offer to unlock it.
				if (!(err instanceof VaultExistsError)) throw err;
				this.#status = 'locked';
				this.#ui.notice = { kind: 'info', text: err.shortMessage };
				return;
			}
			const { vault, recoveryCode } = created;
			this.#set(vault);
			this.#recoveryCode = recoveryCode;
			this.#status = 'unlocked';
			this.#onOpen?.();
			this.#ui.notice = { kind: 'success', text: 'Your vault is ready. Write down the recovery code below.' };
		});
	}

	async unlock(method: UnlockMethod = { kind: 'wallet' }): Promise<void> {
		const text = method.kind === 'wallet' ? 'Sign the unlock message in your wallet…' : 'Unlocking…';
		await this.#ui.run(text, async () => {
			if (this.#refusal) throw this.#refusal;
			const [ports, { unlockVault }] = await Promise.all([this.#ports(), useCases()]);
			let vault = await unlockVault(ports, method);
			// Grants and key epochs live on-chain too: a revoke made since the index was last
			// saved must still move new records to the next epoch.
			try {
				const { syncGrants } = await sharing();
				vault = await syncGrants(ports, vault);
			} catch (err) {
				this.#set(vault);
				this.#status = 'unlocked';
				this.#onOpen?.();
				this.#ui.notice = { kind: 'info', text: `Your shares could not be checked on the chain (${noticeOf(err).text}). Sharing pages may be out of date.` };
				return;
			}
			this.#set(vault);
			this.#status = 'unlocked';
			this.#onOpen?.();
		});
	}

	/** zxcvbn's verdict and feedback on a passphrase being typed for a new vault. */
	async passphraseStrength(passphrase: string): Promise<PassphraseStrength> {
		return (await useCases()).passphraseStrength(passphrase, this.address ? [this.address] : []);
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
		let cancelled = false;
		const ok = await this.#ui.run('Encrypting and storing…', async () => {
			const vault = await this.get();
			const [ports, { encryptRecords }] = await Promise.all([this.#ports(), useCases()]);
			this.#progress = { done: 0, total: inputs.reduce((n, r) => n + r.files.reduce((m, f) => m + f.size, 0), 0), file: '' };
			const adding = (this.#adding = new AbortController());
			let prepared;
			try {
				prepared = await encryptRecords(ports, vault, inputs, { signal: adding.signal, onProgress: (p) => { this.#progress = p; } });
			} catch (err) {
				// Whatever the worker or the store threw on the way out, a cancel is a cancel.
				cancelled = adding.signal.aborted;
				throw cancelled ? adding.signal.reason : err;
			} finally {
				this.#adding = null;
				this.#progress = null;
			}
			// Only now do the records reach the index: a cancelled or failed add leaves it as it was.
			this.#pending = prepared;
			await this.#commit(ports);
		});
		if (cancelled) this.#ui.notice = { kind: 'cancelled', text: 'Cancelled. Nothing was added to your vault.' };
		return ok;
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
		return this.#ui.run('Saving to your vault…', async () => this.#commit(await this.#ports()));
	}

	discardPending(): void { this.#pending = []; }

	async #commit(ports: Ports): Promise<void> {
		this.#ui.busy = 'Confirm the transaction in your wallet to save the records…';
		const pending = this.#pending;
		const { commitRecords } = await useCases();
		const { problem } = await this.change(async (vault) => ({
			vault: await commitRecords(ports, vault, pending),
			added: pending.map((r) => r.id),
			value: null
		}));
		this.#pending = [];
		this.#ui.notice = problem
			? { kind: 'error', text: problem }
			: { kind: 'success', text: pending.length === 1 ? 'Record added.' : `${pending.length} records added.` };
	}

	/**
	 * The current medication, problem and allergy lists. Each record's source
	 * travels with its items; a record that cannot be read is returned in
	 * `unreadable`, never fails the lists.
	 */
	async currentLists(): Promise<{ lists: CurrentLists; unreadable: UnreadableRecord[] }> {
		const { readCurrentLists } = await useCases();
		return readCurrentLists(await this.#ports(), await this.get(), { cache: this.#contentCache });
	}

	/**
	 * Decrypts and reads the FHIR resources of the given records (all FHIR
	 * records by default): the readable resources, and each unreadable record
	 * with its reasons. Records are decrypted once per unlock.
	 */
	async fhirContent(records?: readonly VaultRecord[], onProgress?: (done: number, total: number) => void): Promise<FhirRecordsContent> {
		const vault = await this.get();
		const { readFhirRecords } = await useCases();
		return readFhirRecords(await this.#ports(), vault, records ?? vault.index.records, { onProgress, cache: this.#contentCache });
	}

	/** A FHIR R4 export of the vault (decrypted records are reused for this unlock). */
	async exportFhir(kind: ExportKind, categories: readonly Category[], onProgress?: (done: number, total: number) => void): Promise<FhirExport> {
		const { exportFhir } = await useCases();
		return exportFhir(await this.#ports(), await this.get(), { kind, categories, now: new Date(), cache: this.#contentCache, onProgress });
	}

	/** Decrypts one attachment into a Blob for viewing or download. */
	async open(record: VaultRecord, attachment: Attachment): Promise<Blob> {
		const { readAttachment } = await useCases();
		const parts = await readAttachment(await this.#ports(), await this.get(), record, attachment);
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
		const { saveAttachment } = await useCases();
		await saveAttachment(await this.#ports(), await this.get(), record, attachment, sink, options);
	}
}
