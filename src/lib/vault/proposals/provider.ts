import { isAddress } from '../../types';
import { decryptBlob, encryptBlob, sealTo, signDetached } from '../../crypto/seal';
import { canonicalJson, toBase64, utf8 } from '../../crypto/encoding';
import { getSodium } from '../../crypto/sodium';
import { isCategory, type Category } from '../../records/model';
import { EmptyFileError } from '../../records/errors';
import type { FileInput } from '../deps';
import type { OpenVault } from '../deps';
import { encryptFile } from '../encryptFile';
import type { Hex } from '../ports';
import {
	PROPOSAL_PAYLOAD_MAX_BYTES,
	PROVIDER_NAME_MAX_BYTES,
	PROVIDER_ROLES,
	type ProposalStatus,
	type ProviderProfile,
	type ProviderRole
} from '../providerPorts';
import { randomBytes } from '../random';
import type { ProposalDeps } from './deps';
import {
	InvalidPatientAddressError,
	NotARegisteredProviderError,
	PatientNotRegisteredError,
	ProposalInputError,
	ProviderNameInvalidError,
	ProviderVaultMissingError
} from './errors';
import { PAYLOAD_AD, signedBytes, type ProposalAttachment, type ProposalPayload, type SignedPayload } from './payload';

export interface RegisterAsProviderParameters {
	name: string;
	role: ProviderRole;
}

/**
 * Registers the connected account as a provider (or updates its name and
 * role). The account must have a vault: its published signing key is what
 * patients verify proposals against.
 *
 * @example
 * const profile = await registerAsProvider(deps, { name: 'Dr. Ada Lovelace', role: 'physician' })
 */
export async function registerAsProvider(
	deps: Pick<ProposalDeps, 'signer' | 'chain' | 'providers'>,
	{ name, role }: RegisterAsProviderParameters
): Promise<ProviderProfile> {
	const trimmed = name.trim();
	if (trimmed === '') throw new ProviderNameInvalidError('is empty. Enter the name patients know you by.');
	const bytes = utf8(trimmed).length;
	if (bytes > PROVIDER_NAME_MAX_BYTES)
		throw new ProviderNameInvalidError(`is too long (${bytes} bytes; at most ${PROVIDER_NAME_MAX_BYTES}). Shorten it.`);
	if (!PROVIDER_ROLES.includes(role)) throw new ProviderNameInvalidError(`role "${String(role)}" is not one of ${PROVIDER_ROLES.join(', ')}.`);
	if (!(await deps.chain.readKeys(deps.signer.address))) throw new ProviderVaultMissingError();
	await deps.providers.registerProvider({ name: trimmed, role });
	const profile = await deps.providers.readProvider(deps.signer.address);
	if (!profile) throw new NotARegisteredProviderError();
	return profile;
}

export interface ProposeRecordParameters {
	patient: string;
	title: string;
	category: Category;
	/** Clinical date, YYYY-MM-DD. */
	date: string;
	/** Files and/or FHIR resources as JSON files (type application/fhir+json). */
	files: FileInput[];
	/** 'fhir' when the files are FHIR resources; default: 'fhir' if every file is application/fhir+json. */
	kind?: 'file' | 'fhir';
	resourceType?: string;
	note?: string;
}

export interface ProposeProgress {
	step: 'checking' | 'encrypting' | 'sending' | 'done';
	/** Plaintext bytes encrypted so far, over all files. */
	done: number;
	total: number;
}

export interface ProposeRecordReturnType {
	id: bigint;
	hash: Hex;
	/** CID of the encrypted signed payload (the chain only holds it sealed). */
	payloadCid: string;
}

const sentKey = (provider: Hex, id: bigint) => `proposal-sent:${provider.toLowerCase()}:${id}`;
const sentAd = (provider: Hex) => utf8(`carevault/v1/proposal-sent/${provider.toLowerCase()}`);

/**
 * Encrypts the files as the vault does (one data key per file), signs the
 * payload with the provider's Ed25519 key, stores it encrypted on IPFS, and
 * sends the patient a sealed pointer on-chain. Nothing is sent when the
 * patient has no vault or this account is not a registered provider.
 *
 * @example
 * const { id } = await proposeRecord(deps, providerVault, { patient, title: 'Amoxicillin', category: 'medications', date: '2024-05-02', files })
 */
export async function proposeRecord(
	deps: ProposalDeps,
	vault: OpenVault,
	params: ProposeRecordParameters,
	options: { onProgress?(p: ProposeProgress): void; signal?: AbortSignal; now?: Date } = {}
): Promise<ProposeRecordReturnType> {
	const patient = params.patient.trim();
	if (!isAddress(patient)) throw new InvalidPatientAddressError(patient);
	const title = params.title.trim();
	if (title === '') throw new ProposalInputError('Give the record a title the patient will recognise.');
	if (!isCategory(params.category)) throw new ProposalInputError(`"${String(params.category)}" is not a category.`);
	if (!/^\d{4}-\d{2}-\d{2}$/.test(params.date)) throw new ProposalInputError('The date must be a day (YYYY-MM-DD).');
	if (params.files.length === 0) throw new ProposalInputError('Add at least one file or FHIR resource.');
	for (const f of params.files) if (f.size === 0) throw new EmptyFileError(f.name);
	const total = params.files.reduce((n, f) => n + f.size, 0);
	const report = (step: ProposeProgress['step'], done: number) => options.onProgress?.({ step, done, total });

	report('checking', 0);
	const patientKeys = await deps.chain.readKeys(patient as Hex);
	if (!patientKeys) throw new PatientNotRegisteredError(patient);
	if (!(await deps.providers.readProvider(deps.signer.address))) throw new NotARegisteredProviderError();

	const attachments: ProposalAttachment[] = [];
	let done = 0;
	for (const file of params.files) {
		const before = done;
		report('encrypting', done);
		const { id, cid, chunk, kept: dek } = await encryptFile(deps, file, toBase64, {
			onProgress: (n) => report('encrypting', before + n),
			signal: options.signal
		});
		done = before + file.size;
		attachments.push({ id, name: file.name, type: file.type, size: file.size, cid, chunk, dek });
	}

	const kind = params.kind ?? (params.files.every((f) => f.type === 'application/fhir+json') ? 'fhir' : 'file');
	const payload: ProposalPayload = {
		v: 1,
		provider: deps.signer.address,
		patient: patient as Hex,
		title,
		category: params.category,
		date: params.date,
		kind,
		...(params.resourceType ? { resourceType: params.resourceType } : {}),
		...(params.note?.trim() ? { note: params.note.trim() } : {}),
		attachments,
		createdAt: (options.now ?? new Date()).toISOString()
	};
	const signature = await signDetached(signedBytes(payload), vault.keys.signing.privateKey);
	const signed: SignedPayload = { payload, signature: toBase64(signature) };

	report('sending', done);
	const blobKey = randomBytes(32);
	const payloadCid = await deps.blobs.addBytes(await encryptBlob(blobKey, utf8(canonicalJson(signed)), PAYLOAD_AD));
	await deps.blobs.pin(payloadCid);
	const sealedPayload = await sealTo(patientKeys.inbox, utf8(JSON.stringify({ cid: payloadCid, key: toBase64(blobKey) })));
	(await getSodium()).memzero(blobKey);
	if (sealedPayload.length > PROPOSAL_PAYLOAD_MAX_BYTES) throw new ProposalInputError('The proposal pointer is too large to send.');

	// NotARegisteredProviderError / PatientNotRegisteredError come from the chain adapter.
	const sent = await deps.providers.propose({ patient: patient as Hex, sealedPayload });
	// The provider cannot open what it sealed to the patient; keep its own encrypted note of what it sent.
	const memo = utf8(JSON.stringify({ title, category: params.category, date: params.date, files: params.files.length }));
	await deps.local.put(sentKey(deps.signer.address, sent.id), await encryptBlob(vault.keys.index, memo, sentAd(deps.signer.address)));
	report('done', done);
	return { ...sent, payloadCid };
}

export interface SentProposal {
	id: bigint;
	patient: Hex;
	status: ProposalStatus;
	blockNumber: bigint;
	txHash: Hex;
	decidedAt?: number;
	/** What this browser remembers sending (absent when sent from another device). */
	title?: string;
	category?: Category;
	date?: string;
}

/**
 * The provider's proposals with the patients' decisions, newest first, from
 * chain events; titles come from this device's encrypted notes.
 */
export async function listMyProposals(deps: Pick<ProposalDeps, 'signer' | 'providers' | 'local'>, vault: OpenVault | null): Promise<SentProposal[]> {
	const me = deps.signer.address;
	const entries = await deps.providers.listByProvider(me);
	const out: SentProposal[] = [];
	for (const e of entries) {
		const item: SentProposal = {
			id: e.id,
			patient: e.patient,
			status: e.status,
			blockNumber: e.blockNumber,
			txHash: e.txHash,
			...(e.decidedAt !== undefined ? { decidedAt: e.decidedAt } : {})
		};
		const memo = vault ? await deps.local.get(sentKey(me, e.id)) : null;
		if (memo && vault) {
			try {
				const m = JSON.parse(new TextDecoder().decode(await decryptBlob(vault.keys.index, memo, sentAd(me)))) as Record<string, unknown>;
				if (typeof m.title === 'string') item.title = m.title;
				if (isCategory(m.category)) item.category = m.category;
				if (typeof m.date === 'string') item.date = m.date;
			} catch {
				// A damaged note only costs the title; the status still comes from the chain.
			}
		}
		out.push(item);
	}
	return out.reverse();
}
