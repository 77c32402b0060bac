/**
 * The proposal payload: what a provider signs and the patient verifies. It
 * travels encrypted on IPFS; only a small sealed pointer goes on-chain, so
 * chain observers learn neither content, title, category nor CIDs.
 *
 *   chain:  sealTo(patient inbox key, {"cid": <payload CID>, "key": <base64 blob key>})
 *   IPFS:   encryptBlob(key, canonical {payload, signature}, PAYLOAD_AD)
 *   signed: SIGNATURE_PREFIX || canonicalJson(payload), Ed25519 (provider's published signing key)
 */
import { isAddress as isAddr } from '../../types';
import { canonicalJson, fromBase64, utf8 } from '../../crypto/encoding';
import { isCategory, type Category } from '../../records/model';
import type { Hex } from '../ports';

export const PAYLOAD_AD = utf8('carevault/v1/proposal-payload');
// Domain separation: a proposal signature can never be replayed as another kind of signed message.
const SIGNATURE_PREFIX = 'carevault/v1/proposal\n';

export interface ProposalAttachment {
	/** Attachment id, bound into the ciphertext's associated data. */
	id: string;
	/** Provider-supplied file name: untrusted, render as text. */
	name: string;
	type: string;
	/** Plaintext bytes. */
	size: number;
	/** CID of the ciphertext. */
	cid: string;
	/** Plaintext bytes per secretstream chunk. */
	chunk: number;
	/** The data key, base64; only ever inside the encrypted payload. */
	dek: string;
}

export interface ProposalPayload {
	v: 1;
	provider: Hex;
	patient: Hex;
	title: string;
	category: Category;
	/** Clinical date, YYYY-MM-DD. */
	date: string;
	kind: 'file' | 'fhir';
	resourceType?: string;
	/** Provider-supplied text: render as text. */
	note?: string;
	attachments: ProposalAttachment[];
	/** ISO 8601, as the provider's clock said. */
	createdAt: string;
}

export interface SignedPayload {
	payload: ProposalPayload;
	/** Ed25519 signature, base64. */
	signature: string;
}

/** The on-chain pointer, sealed to the patient. */
export interface SealedPointer {
	cid: string;
	key: string;
}

export const signedBytes = (payload: ProposalPayload): Uint8Array => utf8(SIGNATURE_PREFIX + canonicalJson(payload));

const MAX_ATTACHMENTS = 50;
const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/**
 * Checks a decrypted payload's shape; returns what is wrong (for the flag
 * shown to the patient) or null. Every field is provider-controlled.
 */
export function payloadProblem(value: unknown): string | null {
	if (!value || typeof value !== 'object') return 'it is not a proposal.';
	const p = value as Record<string, unknown>;
	if (p.v !== 1) return 'it uses an unknown format version.';
	if (!isAddr(p.provider) || !isAddr(p.patient)) return 'its sender or recipient is missing.';
	if (!isText(p.title, 500) || p.title.trim() === '') return 'it has no title.';
	if (!isCategory(p.category)) return 'its category is unknown.';
	if (!isDate(p.date)) return 'its date is not a date.';
	if (p.kind !== 'file' && p.kind !== 'fhir') return 'its record kind is unknown.';
	if (p.resourceType !== undefined && !isText(p.resourceType, 100)) return 'its resource type is malformed.';
	if (p.note !== undefined && !isText(p.note, 10_000)) return 'its note is malformed.';
	if (!isText(p.createdAt, 40)) return 'its creation time is malformed.';
	if (!Array.isArray(p.attachments) || p.attachments.length === 0 || p.attachments.length > MAX_ATTACHMENTS)
		return 'it has no attachments, or too many.';
	for (const a of p.attachments as unknown[]) {
		const at = a as Record<string, unknown> | null;
		if (!at || typeof at !== 'object') return 'an attachment is malformed.';
		if (!isText(at.id, 64) || !/^[0-9a-f]{8,64}$/.test(at.id)) return 'an attachment id is malformed.';
		if (!isText(at.name, 500) || !isText(at.type, 200)) return 'an attachment name or type is malformed.';
		if (!Number.isSafeInteger(at.size) || (at.size as number) <= 0) return 'an attachment size is malformed.';
		if (!isText(at.cid, 200) || at.cid === '') return 'an attachment address is malformed.';
		if (!Number.isSafeInteger(at.chunk) || (at.chunk as number) <= 0) return 'an attachment chunk size is malformed.';
		try {
			if (typeof at.dek !== 'string' || fromBase64(at.dek).length !== 32) return 'an attachment key is malformed.';
		} catch {
			return 'an attachment key is malformed.';
		}
	}
	return null;
}

export function parseSealedPointer(bytes: Uint8Array): SealedPointer | null {
	try {
		const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<SealedPointer>;
		if (typeof v?.cid !== 'string' || typeof v.key !== 'string' || fromBase64(v.key).length !== 32) return null;
		return { cid: v.cid, key: v.key };
	} catch {
		return null;
	}
}
