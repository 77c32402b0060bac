import { RECORD_CIPHER_ALG } from '../../crypto/recordCipher';
import { decryptAttachment } from '../decryptAttachment';
import { decryptBlob, encryptBlob, openSealed, verifyDetached } from '../../crypto/seal';
import { sealDataKey } from '../../crypto/pre';
import { fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { getSodium } from '../../crypto/sodium';
import { DecryptionFailedError } from '../../crypto/errors';
import { CarevaultError } from '../../errors';
import { parseFhirResource, isEnteredInError } from '../../records/fhirResource';
import { isCategory, type Attachment, type Category, type ResourceSummary, type VaultRecord } from '../../records/model';
import { batchRoot, commitRecords } from '../commitRecords';
import type { OpenVault } from '../deps';
import type { Hex } from '../ports';
import type { ProposalStatus, ProviderRole } from '../providerPorts';
import { randomId } from '../random';
import type { ProposalDeps } from './deps';
import { DecisionNotSentError, ProposalAlreadyDecidedError, ProposalFlaggedError, ProposalInvalidFhirError } from './errors';
import { bytesFile, fhirContentProblem, FHIR_NDJSON, readFhirBytes, readFhirRecords, type FhirRecordsContent, type RecordContent } from '../fhirRecords';
import { encryptRecords } from '../addRecords';
import { summarizeResource } from '../../records/fhir/import';
import { planProposal, proposalSource, type ProposalDedupe } from './dedupe';
import { fetchPayload, type FetchPayloadOptions } from '../fetchPayload';
import { PayloadTooLargeError, PayloadUnavailableError } from '../errors';
import { forEachLimited } from '../limit';
import { PAYLOAD_AD, parseSealedPointer, payloadProblem, signedBytes, type ProposalAttachment, type ProposalPayload, type SignedPayload } from './payload';

export interface InboxProvider {
	address: Hex;
	/** Registered display name: provider-supplied, render as text. */
	name?: string;
	role?: ProviderRole;
	registered: boolean;
}

export interface InboxItem {
	id: bigint;
	status: ProposalStatus;
	provider: InboxProvider;
	/** The on-chain pointer, sealed to the patient's inbox key (opaque bytes). */
	sealedPayload: Uint8Array;
	/** False while listed from chain events only: the payload was not fetched and checked yet (openInboxItem). */
	opened: boolean;
	/** True only when the payload opened, its signature verified against the sender's published key, and the sender is a registered provider. */
	verified: boolean;
	/** Why the item is flagged; absent when verified. */
	problem?: string;
	/** Absent when it could not be opened. */
	payload?: ProposalPayload;
	/** A decided proposal opened before on this device: what it was, kept encrypted locally (rememberDecided), so it is not fetched again. */
	remembered?: RememberedProposal;
	/** Block of the proposal transaction. */
	receivedAt: bigint;
	txHash: Hex;
	decidedAt?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** What this device keeps of a decided proposal, encrypted under the vault's index key. */
export interface RememberedProposal {
	title: string;
	category: Category;
	date: string;
	verified: boolean;
}

const decidedKey = (patient: Hex, id: bigint) => `inbox-decided:${patient.toLowerCase()}:${id}`;
// Bound to the patient and the proposal: a memo cannot be moved to another proposal or vault.
const decidedAd = (patient: Hex, id: bigint) => utf8(`carevault/v1/inbox-decided/${patient.toLowerCase()}/${id}`);

/**
 * Keeps the title, category, date and verdict of a decided proposal on this
 * device, encrypted under the vault's index key, so the inbox shows it without
 * fetching its payload again. Does nothing for a pending or unopened item.
 */
export async function rememberDecided(deps: Pick<ProposalDeps, 'local'>, vault: OpenVault, item: InboxItem): Promise<void> {
	if (item.status === 'pending' || !item.payload) return;
	const memo: RememberedProposal = {
		title: item.payload.title,
		category: item.payload.category,
		date: item.payload.date,
		verified: item.verified && !item.problem
	};
	const blob = await encryptBlob(vault.keys.index, utf8(JSON.stringify(memo)), decidedAd(vault.address, item.id));
	await deps.local.put(decidedKey(vault.address, item.id), blob);
}

async function recallDecided(deps: Pick<ProposalDeps, 'local'>, vault: OpenVault, id: bigint): Promise<RememberedProposal | undefined> {
	const blob = await deps.local.get(decidedKey(vault.address, id));
	if (!blob) return undefined;
	try {
		const m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await decryptBlob(vault.keys.index, blob, decidedAd(vault.address, id)))) as Partial<RememberedProposal>;
		if (typeof m.title !== 'string' || !isCategory(m.category) || typeof m.date !== 'string') return undefined;
		return { title: m.title.slice(0, 500), category: m.category, date: m.date.slice(0, 10), verified: m.verified === true };
	} catch {
		// Written by another vault or damaged: as if never remembered.
		return undefined;
	}
}

/** How many payloads are fetched at the same time when a list is opened in one go. */
export const PAYLOAD_CONCURRENCY = 3;

export interface InboxListOptions {
	/** Senders the patient blocked: their proposals are dropped before anything is read or fetched. */
	skip?: (sender: Hex) => boolean;
}

/**
 * The patient's proposals, newest first, from chain events only: sender,
 * time and status, no payload fetched (openInboxItem fetches one). Cheap
 * whatever the senders put on IPFS. Decided proposals opened before on this
 * device come with what was remembered of them (`remembered`).
 */
export async function listInbox(
	deps: Pick<ProposalDeps, 'providers'> & Partial<Pick<ProposalDeps, 'local'>>,
	vault: OpenVault,
	options: InboxListOptions = {}
): Promise<InboxItem[]> {
	const skip = options.skip;
	// Blocked senders are dropped here, before anything of theirs is read, fetched or decrypted.
	const entries = (await deps.providers.listForPatient(vault.address)).filter((e) => !skip?.(e.provider));
	const profiles = new Map<string, Promise<InboxProvider>>();
	const providerOf = (address: Hex) => {
		const key = address.toLowerCase();
		let profile = profiles.get(key);
		if (!profile) {
			profile = deps.providers
				.readProvider(address)
				.then((p): InboxProvider => (p ? { address, name: p.name, role: p.role, registered: true } : { address, registered: false }));
			profiles.set(key, profile);
		}
		return profile;
	};
	const items = await Promise.all(
		entries.map(
			async (entry): Promise<InboxItem> => ({
				id: entry.id,
				status: entry.status,
				provider: await providerOf(entry.provider),
				sealedPayload: entry.sealedPayload,
				opened: false,
				verified: false,
				receivedAt: entry.blockNumber,
				txHash: entry.txHash,
				...(entry.decidedAt !== undefined ? { decidedAt: entry.decidedAt } : {})
			})
		)
	);
	if (deps.local) {
		const local = { local: deps.local };
		await Promise.all(
			items.map(async (item, i) => {
				if (item.status === 'pending') return;
				const remembered = await recallDecided(local, vault, item.id);
				if (remembered) items[i] = { ...item, remembered };
			})
		);
	}
	return items.reverse();
}

/**
 * The patient's proposals, newest first, each opened and checked (see
 * openInboxItem), PAYLOAD_CONCURRENCY at a time. A payload that could not be
 * fetched is returned flagged with the reason, never dropped silently and
 * never trusted.
 */
export async function loadInbox(
	deps: Pick<ProposalDeps, 'chain' | 'blobs' | 'providers'>,
	vault: OpenVault,
	options: FetchPayloadOptions & InboxListOptions = {}
): Promise<InboxItem[]> {
	const items = await listInbox(deps, vault, options);
	await forEachLimited(items, PAYLOAD_CONCURRENCY, async (item, i) => {
		try {
			items[i] = await openInboxItem(deps, vault, item, options);
		} catch (err) {
			if (!(err instanceof PayloadUnavailableError || err instanceof PayloadTooLargeError)) throw err;
			items[i] = { ...item, opened: true, problem: err.shortMessage };
		}
	});
	return items;
}

/**
 * Fetches one proposal's payload (bounded in size and time: fetchPayload) and
 * checks it: decrypted, signature verified against the sender's published
 * signing key, sender a registered provider. Anything that fails a check comes
 * back flagged with the reason. Throws PayloadUnavailableError or
 * PayloadTooLargeError when the payload could not be read, so the page can
 * offer to try again for this item alone.
 */
export async function openInboxItem(
	deps: Pick<ProposalDeps, 'chain' | 'blobs'>,
	vault: OpenVault,
	item: InboxItem,
	options: FetchPayloadOptions = {}
): Promise<InboxItem> {
	const base: InboxItem = { ...item, opened: true, verified: false };
	delete base.problem;
	delete base.payload;
	const flag = (problem: string, payload?: ProposalPayload): InboxItem => ({ ...base, problem, ...(payload ? { payload } : {}) });

	let pointer;
	try {
		pointer = parseSealedPointer(await openSealed(vault.keys.inbox, item.sealedPayload));
	} catch {
		pointer = null;
	}
	if (!pointer) return flag('it was not sealed to your inbox key, or was altered on the way.');

	let blob: Uint8Array;
	try {
		blob = await fetchPayload(deps.blobs, pointer.cid, options);
	} catch (err) {
		if (err instanceof CarevaultError && err.name === 'InvalidCidError') return flag('its content is malformed: it points to no valid content address.');
		throw err;
	}
	let signed: SignedPayload;
	try {
		signed = JSON.parse(decoder.decode(await decryptBlob(fromBase64(pointer.key), blob, PAYLOAD_AD))) as SignedPayload;
	} catch {
		return flag('its content was altered or is unreadable.');
	}
	const shapeProblem = payloadProblem(signed?.payload);
	if (shapeProblem) return flag(`its content is malformed: ${shapeProblem}`);
	const payload = signed.payload;
	if (payload.provider.toLowerCase() !== item.provider.address.toLowerCase())
		return flag('it was signed as coming from a different provider than the account that sent it.', payload);
	if (payload.patient.toLowerCase() !== vault.address.toLowerCase()) return flag('it was made for another patient.', payload);

	const keys = await deps.chain.readKeys(item.provider.address);
	if (!keys) return flag('the sender has published no keys, so its signature cannot be checked.', payload);
	let signatureOk: boolean;
	try {
		signatureOk = typeof signed.signature === 'string' && (await verifyDetached(fromBase64(signed.signature), signedBytes(payload), keys.signing));
	} catch {
		signatureOk = false;
	}
	if (!signatureOk) return flag('its signature does not match the sender’s published key: it may have been forged or altered.', payload);
	if (!item.provider.registered) return flag('the sender is not a registered provider.', payload);
	return { ...base, verified: true, payload };
}

/**
 * Streams one attachment's plaintext for preview. Throws DecryptionFailedError
 * if the ciphertext was altered or cut short: never yields unauthenticated bytes.
 */
export async function* openProposalAttachment(
	deps: Pick<ProposalDeps, 'blobs'>,
	attachment: ProposalAttachment,
	options: { signal?: AbortSignal } = {}
): AsyncGenerator<Uint8Array> {
	yield* decryptAttachment(deps.blobs, attachment, fromBase64(attachment.dek), options);
}

async function readWhole(deps: Pick<ProposalDeps, 'blobs'>, attachment: ProposalAttachment, signal?: AbortSignal): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const p of openProposalAttachment(deps, attachment, { signal })) parts.push(p);
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) out.set(p, (o += p.length) - p.length);
	return out;
}

/**
 * Decrypts every attachment fully; returns the item flagged when one was
 * altered (the UI calls this when a proposal is opened).
 */
export async function checkProposalAttachments(deps: Pick<ProposalDeps, 'blobs'>, item: InboxItem, options: { signal?: AbortSignal } = {}): Promise<InboxItem> {
	if (!item.payload || item.problem) return item;
	for (const a of item.payload.attachments) {
		try {
			for await (const _ of openProposalAttachment(deps, a, options)) void _;
		} catch (err) {
			if (err instanceof DecryptionFailedError) return { ...item, verified: false, problem: `the file "${a.name}" was altered after it was signed.` };
			throw err;
		}
	}
	return item;
}

/** Records already in the vault that came from this proposal (same ciphertexts): an earlier accept whose decision did not go through. */
function alreadyAccepted(vault: OpenVault, payload: ProposalPayload): VaultRecord | undefined {
	const cids = new Set(payload.attachments.map((a) => a.cid));
	return vault.index.records.find((r) => r.attachments.length === cids.size && r.attachments.every((a) => cids.has(a.manifest.cid)));
}

export interface AcceptProposalReturnType {
	vault: OpenVault;
	/** The record added; null when every resource of a FHIR proposal was already in the vault (nothing added). */
	record: VaultRecord | null;
	/** For a FHIR proposal: what of it was new, updated or already present (only new and updated ones were added). */
	dedupe?: ProposalDedupe;
	/** The vault batch root named in the decision (absent when nothing was added). */
	anchorRoot?: Hex;
	hash: Hex;
}

/**
 * Accepts a verified proposal: every attachment is decrypted and checked
 * first (an altered ciphertext cannot get in). A FHIR proposal is compared
 * with the vault (proposals/dedupe.ts): when all of it is new or updated, the
 * provider's ciphertext is kept (pinned here, each data key re-sealed under
 * the patient's category key) and updated resources mark the versions they
 * replace; when some of it is already present, only the new and updated
 * resources are stored, as a new NDJSON attachment encrypted here; when all
 * of it is present, nothing is added. The record is committed to the vault
 * (index + anchor, one transaction), and then the decision sent (second
 * transaction). If only the decision fails, DecisionNotSentError carries the
 * updated vault; calling again sends only the decision.
 */
export async function acceptProposal(
	deps: ProposalDeps,
	vault: OpenVault,
	item: InboxItem,
	options: {
		signal?: AbortSignal;
		now?: Date;
		/** The vault's current FHIR content, when the caller already read it (else read here). */
		content?: FhirRecordsContent;
		/** Decrypted record contents to reuse when reading the vault (VaultState's cache). */
		cache?: Map<string, RecordContent>;
	} = {}
): Promise<AcceptProposalReturnType> {
	if (!item.verified || item.problem || !item.payload) throw new ProposalFlaggedError(item.problem ?? 'it could not be verified.');
	await requirePending(deps, item.id);
	const payload = item.payload;

	let current = vault;
	let record: VaultRecord | null = alreadyAccepted(vault, payload) ?? null;
	let dedupe: ProposalDedupe | undefined;
	if (!record) {
		// Everything is checked before anything is stored.
		const plains: Uint8Array[] = [];
		for (const a of payload.attachments) {
			const plain = await readWhole(deps, a, options.signal);
			const fhirProblem = payload.kind === 'fhir' ? fhirContentProblem(a.name, plain) : null;
			if (fhirProblem) throw new ProposalInvalidFhirError(fhirProblem);
			plains.push(plain);
		}
		const source = proposalSource(item.provider);
		const base = {
			title: payload.title,
			category: payload.category,
			date: payload.date,
			kind: payload.kind,
			...(payload.resourceType ? { resourceType: payload.resourceType } : {}),
			source
		};
		if (payload.kind === 'fhir') {
			const incoming = plains.flatMap((plain) => readFhirBytes(plain).resources);
			const content = options.content ?? (await readFhirRecords(deps, vault, vault.index.records, { signal: options.signal, ...(options.cache ? { cache: options.cache } : {}) }));
			dedupe = planProposal(content, incoming, source);
		}
		const supersedes = [...new Set(dedupe?.plan.updated.flatMap((u) => u.replaces) ?? [])];
		if (!dedupe || dedupe.counts.present === 0) {
			// All of it goes in: the provider's ciphertext is kept as it is.
			const epoch = vault.index.epochs[payload.category] ?? 0;
			const categoryKey = vault.keys.umbralKey(payload.category, epoch).publicKey;
			const attachments: Attachment[] = [];
			const resources: ResourceSummary[] = [];
			for (const [i, a] of payload.attachments.entries()) {
				await deps.blobs.pin(a.cid, { signal: options.signal });
				if (payload.kind === 'fhir') resources.push(...summaryOf(plains[i]!, a));
				const dek = fromBase64(a.dek);
				const sealed = await sealDataKey(categoryKey, dek);
				(await getSodium()).memzero(dek);
				attachments.push({
					id: a.id,
					name: a.name,
					type: a.type,
					manifest: {
						v: 1,
						alg: RECORD_CIPHER_ALG,
						chunk: a.chunk,
						id: a.id,
						size: a.size,
						cid: a.cid,
						capsule: toBase64(sealed.capsule),
						sealedKey: toBase64(sealed.ciphertext),
						epoch
					}
				});
			}
			record = {
				id: randomId(),
				...base,
				addedAt: (options.now ?? new Date()).toISOString(),
				...(resources.length > 0 ? { resources } : {}),
				...(supersedes.length > 0 ? { supersedes } : {}),
				attachments
			};
		} else if (dedupe.counts.new + dedupe.counts.updated > 0) {
			// Part of it is already in the vault: only the new and updated resources are stored, encrypted here.
			const keep = [...dedupe.plan.fresh, ...dedupe.plan.updated.map((u) => u.resource)];
			const ndjson = utf8(keep.map((r) => JSON.stringify(r)).join('\n') + '\n');
			const [encrypted] = await encryptRecords(
				deps,
				vault,
				[
					{
						...base,
						kind: 'fhir',
						resources: keep.map((r, i) => summarizeResource(r, `${r.resourceType}-${i + 1}`)),
						...(supersedes.length > 0 ? { supersedes } : {}),
						files: [bytesFile('proposal.ndjson', FHIR_NDJSON, ndjson)]
					}
				],
				{ signal: options.signal, ...(options.now ? { now: options.now } : {}) }
			);
			record = encrypted!;
		}
		if (record) {
			current = await commitRecords(deps, vault, [record]);
			const id = record.id;
			record = current.index.records.find((r) => r.id === id) ?? record;
		}
	}
	const anchorRoot = record ? (await batchRoot([record])).root : undefined;
	try {
		const hash = await deps.providers.accept({ id: item.id, ...(anchorRoot ? { anchorRoot } : {}) });
		return { vault: current, record, ...(dedupe ? { dedupe } : {}), ...(anchorRoot ? { anchorRoot } : {}), hash };
	} catch (cause) {
		throw new DecisionNotSentError(current, { cause });
	}
}

/** Rejects a proposal on-chain (flagged ones too). */
export async function rejectProposal(deps: Pick<ProposalDeps, 'providers'>, item: Pick<InboxItem, 'id'>): Promise<Hex> {
	await requirePending(deps, item.id);
	return deps.providers.reject({ id: item.id });
}

async function requirePending(deps: Pick<ProposalDeps, 'providers'>, id: bigint): Promise<void> {
	const state = await deps.providers.readProposal(id);
	if (state && state.status !== 'pending') throw new ProposalAlreadyDecidedError(id, state.status);
}

function summaryOf(plain: Uint8Array, a: ProposalAttachment): ResourceSummary[] {
	try {
		const parsed = parseFhirResource(new TextDecoder().decode(plain));
		const id = typeof parsed.resource.id === 'string' ? parsed.resource.id : a.id;
		// A provider withdrawing an earlier record sends it entered-in-error: kept, but on no timeline.
		const withdrawn = isEnteredInError(parsed.resource) ? { enteredInError: true as const } : {};
		return [{ id, resourceType: parsed.resourceType, title: parsed.title, ...(parsed.date ? { date: parsed.date } : {}), codes: [parsed.title], ...withdrawn }];
	} catch {
		// Not one FHIR resource (a Bundle or a plain file): the record is still kept, without a summary.
		return [];
	}
}

/**
 * The registered providers who sent the patient proposals, each once, in the
 * inbox's order (newest first): whom a patient most likely wants to share with,
 * picked without typing an address. Blocked senders are not in the inbox.
 */
export function sendersOf(items: readonly Pick<InboxItem, 'provider'>[]): InboxProvider[] {
	const seen = new Set<string>();
	const out: InboxProvider[] = [];
	for (const { provider } of items) {
		const key = provider.address.toLowerCase();
		if (!provider.registered || seen.has(key)) continue;
		seen.add(key);
		out.push(provider);
	}
	return out;
}
