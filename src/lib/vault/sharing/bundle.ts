/**
 * The grant bundle: what a grantee receives. It lists the records in scope
 * with, per attachment, the ciphertext's CID and framing, the Umbral capsule
 * and sealed data key, and a capsule fragment re-encrypted to the grantee. The
 * kfrags that made the cfrags never leave the patient's browser.
 *
 *   IPFS:   encryptBlob(random key, JSON bundle, BUNDLE_AD)
 *   chain:  sealedPointer = envelope (see sealGrantPointer), commitment = grantCommitment (./commitment.ts)
 *           over the grant's parties, expiry, scope, key epochs and pointer, salted with the bundle's `salt`
 */
import { isAddress as isAddr } from '../../types';
import type { PublicKey, SecretKey, VerifiedKeyFrag } from '@nucypher/umbral-pre';
import { concatBytes, fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { LINK_SALT_BYTES } from '../../crypto/keys';
import { makeKFrag, reencryptCapsule, verifyCapsuleFrag } from '../../crypto/pre';
import { decryptBlob, encryptBlob, openSealed, sealTo, type BoxKeyPair } from '../../crypto/seal';
import { getUmbral } from '../../crypto/sodium';
import { RECORD_CIPHER_ALG } from '../../crypto/recordCipher';
import { isCategory, type Category, type GrantScope, type ResourceSummary, type VaultRecord } from '../../records/model';
import type { OpenVault } from '../deps';
import type { BlobStore, Hex } from '../ports';
import { randomBytes } from '../random';
import { CfragVerificationError, ShareUnavailableError } from './errors';
import { fetchPayload, type FetchPayloadOptions } from '../fetchPayload';
import { PayloadTooLargeError, PayloadUnavailableError } from '../errors';

/** Bytes of the random salt in a grant commitment (commitment.ts). */
export const COMMITMENT_SALT_BYTES = 32;

export const BUNDLE_AD = utf8('carevault/v1/grant-bundle');
const patientPointerAd = (patient: Hex) => utf8(`carevault/v1/grant-pointer/${patient.toLowerCase()}`);

export interface SharedAttachment {
	id: string;
	/** Patient-supplied file name: render as text. */
	name: string;
	type: string;
	/** Plaintext bytes. */
	size: number;
	cid: string;
	chunk: number;
	alg: typeof RECORD_CIPHER_ALG;
	/** Epoch of the category key the data key is sealed to. */
	epoch: number;
	/** Umbral capsule, sealed data key, and the capsule fragment for the recipient: base64. */
	capsule: string;
	sealedKey: string;
	cfrag: string;
}

export interface SharedRecord {
	id: string;
	title: string;
	category: Category;
	date: string;
	kind: 'file' | 'fhir';
	source?: string;
	resourceType?: string;
	resources?: ResourceSummary[];
	attachments: SharedAttachment[];
}

/** Version 2 carries the commitment salt; version 1 bundles could not be checked against the chain and are refused. */
export const BUNDLE_VERSION = 2;

export interface GrantBundle {
	v: typeof BUNDLE_VERSION;
	patient: Hex;
	grantee: Hex;
	scope: GrantScope;
	createdAt: string;
	label?: string;
	/** The patient's kfrag-signing key (compressed, base64). */
	verifyingPk: string;
	/** Delegating public key of each (category, epoch) a record in the bundle is sealed to. */
	keys: Array<{ category: Category; epoch: number; delegatingPk: string }>;
	/** Public keys the bundle was made for (base64), so the patient can extend it later. */
	receiver: { inbox: string; umbral: string };
	records: SharedRecord[];
	/** Random 32 bytes (base64) the on-chain commitment is salted with; only the bundle's readers see it. */
	salt: string;
}

export interface BundlePointer {
	cid: string;
	/** base64 of the 32-byte bundle key. */
	key: string;
}

/** The records of `records` inside `scope`. */
export function recordsInScope(records: readonly VaultRecord[], scope: GrantScope): VaultRecord[] {
	if ('categories' in scope) return records.filter((r) => scope.categories.includes(r.category));
	const ids = new Set(scope.recordIds);
	return records.filter((r) => ids.has(r.id));
}

/** The categories a scope touches: its own, or those of the chosen records. */
export function scopeCategories(scope: GrantScope, records: readonly VaultRecord[]): Category[] {
	if ('categories' in scope) return [...new Set(scope.categories)];
	return [...new Set(recordsInScope(records, scope).map((r) => r.category))];
}

const keyId = (category: string, epoch: number) => `${category}:${epoch}`;

/**
 * Builds the bundle for `scope` over the vault's records: one kfrag per
 * (category, epoch) to `receiver.umbral`, one cfrag per attachment. The kfrags
 * are freed before returning.
 */
export async function buildBundle(
	vault: OpenVault,
	p: { grantee: Hex; scope: GrantScope; receiver: { inbox: Uint8Array; umbral: Uint8Array }; createdAt: string; label?: string; records?: readonly VaultRecord[] }
): Promise<GrantBundle> {
	const umbral = await getUmbral();
	const records = recordsInScope(p.records ?? vault.index.records, p.scope);
	const receivingPk: PublicKey = umbral.PublicKey.fromCompressedBytes(p.receiver.umbral);
	const { signer, verifyingKey } = vault.keys.umbralSigner;
	const kfrags = new Map<string, VerifiedKeyFrag>();
	const keys: GrantBundle['keys'] = [];
	try {
		const kfragFor = async (category: Category, epoch: number) => {
			const id = keyId(category, epoch);
			let kfrag = kfrags.get(id);
			if (!kfrag) {
				const pair = vault.keys.umbralKey(category, epoch);
				kfrag = await makeKFrag(pair.secretKey, receivingPk, signer);
				kfrags.set(id, kfrag);
				keys.push({ category, epoch, delegatingPk: toBase64(pair.publicKey.toCompressedBytes()) });
			}
			return kfrag;
		};
		const shared: SharedRecord[] = [];
		for (const r of records) {
			const attachments: SharedAttachment[] = [];
			for (const a of r.attachments) {
				const m = a.manifest;
				const cfrag = await reencryptCapsule(fromBase64(m.capsule), await kfragFor(r.category, m.epoch));
				attachments.push({
					id: m.id,
					name: a.name,
					type: a.type,
					size: m.size,
					cid: m.cid,
					chunk: m.chunk,
					alg: m.alg,
					epoch: m.epoch,
					capsule: m.capsule,
					sealedKey: m.sealedKey,
					cfrag: toBase64(cfrag)
				});
			}
			shared.push({
				id: r.id,
				title: r.title,
				category: r.category,
				date: r.date,
				kind: r.kind,
				...(r.source ? { source: r.source } : {}),
				...(r.resourceType ? { resourceType: r.resourceType } : {}),
				...(r.resources ? { resources: r.resources } : {}),
				attachments
			});
		}
		return {
			v: BUNDLE_VERSION,
			patient: vault.address,
			grantee: p.grantee,
			scope: p.scope,
			createdAt: p.createdAt,
			...(p.label ? { label: p.label } : {}),
			verifyingPk: toBase64(verifyingKey.toCompressedBytes()),
			keys,
			receiver: { inbox: toBase64(p.receiver.inbox), umbral: toBase64(p.receiver.umbral) },
			records: shared,
			salt: toBase64(randomBytes(COMMITMENT_SALT_BYTES))
		};
	} finally {
		for (const k of kfrags.values()) k.free();
		receivingPk.free();
	}
}

/**
 * Checks a decrypted bundle's shape and verifies every capsule fragment
 * against its capsule, the patient's delegating and verifying keys and the
 * recipient's key. Throws CfragVerificationError on the first that fails,
 * ShareUnavailableError for a malformed bundle.
 */
export async function verifyBundle(bundle: unknown, receivingSk: SecretKey): Promise<GrantBundle> {
	const b = checkBundle(bundle);
	const umbral = await getUmbral();
	const receivingPk = receivingSk.publicKey();
	const pks: PublicKey[] = [];
	try {
		const verifyingPk = umbral.PublicKey.fromCompressedBytes(fromBase64(b.verifyingPk));
		pks.push(verifyingPk);
		const delegating = new Map<string, PublicKey>();
		for (const k of b.keys) {
			const pk = umbral.PublicKey.fromCompressedBytes(fromBase64(k.delegatingPk));
			pks.push(pk);
			delegating.set(keyId(k.category, k.epoch), pk);
		}
		for (const r of b.records) {
			for (const a of r.attachments) {
				const delegatingPk = delegating.get(keyId(r.category, a.epoch));
				const ok =
					delegatingPk !== undefined &&
					(await verifyCapsuleFrag({ capsule: fromBase64(a.capsule), cfrag: fromBase64(a.cfrag), verifyingPk, delegatingPk, receivingPk }));
				if (!ok) throw new CfragVerificationError(r.id);
			}
		}
		return b;
	} catch (err) {
		if (err instanceof CfragVerificationError) throw err;
		throw new ShareUnavailableError('its keys are malformed.', { cause: err });
	} finally {
		for (const pk of pks) pk.free();
		receivingPk.free();
	}
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
function isBase64Of(text: string, length: number): boolean {
	try {
		return fromBase64(text).length === length;
	} catch {
		return false;
	}
}

function checkBundle(value: unknown): GrantBundle {
	const bad = (what: string) => new ShareUnavailableError(`the bundle is malformed (${what}).`);
	const b = value as GrantBundle;
	if (b && typeof b === 'object' && (b as { v?: unknown }).v === 1)
		throw new ShareUnavailableError('they were shared by an earlier version of Carevault that did not sign them on-chain. Ask the patient to share them again.');
	if (!b || typeof b !== 'object' || b.v !== BUNDLE_VERSION) throw bad('version');
	if (!isStr(b.salt) || !isBase64Of(b.salt, COMMITMENT_SALT_BYTES)) throw bad('salt');
	if (!isAddr(b.patient) || !isAddr(b.grantee)) throw bad('addresses');
	if (!isStr(b.verifyingPk) || !Array.isArray(b.keys) || !Array.isArray(b.records)) throw bad('keys');
	if (!b.scope || !(Array.isArray((b.scope as { categories?: unknown }).categories) || Array.isArray((b.scope as { recordIds?: unknown }).recordIds)))
		throw bad('scope');
	for (const k of b.keys) if (!isCategory(k?.category) || !isCount(k.epoch) || !isStr(k.delegatingPk)) throw bad('key entry');
	for (const r of b.records) {
		if (!isStr(r?.id) || !isStr(r.title) || !isCategory(r.category) || !isStr(r.date) || !Array.isArray(r.attachments)) throw bad('record');
		if (r.kind !== 'file' && r.kind !== 'fhir') throw bad('record kind');
		for (const a of r.attachments) {
			if (!isStr(a?.id) || !isStr(a.name) || !isStr(a.type) || !isStr(a.cid) || !isCount(a.size) || !isCount(a.chunk) || !isCount(a.epoch))
				throw bad('attachment');
			if (a.alg !== RECORD_CIPHER_ALG || !isStr(a.capsule) || !isStr(a.sealedKey) || !isStr(a.cfrag)) throw bad('attachment keys');
		}
	}
	return b;
}

/** Encrypts a bundle under a fresh key and stores it (pinned); returns its pointer. */
export async function storeBundle(blobs: Pick<BlobStore, 'addBytes' | 'pin'>, bundle: GrantBundle): Promise<BundlePointer> {
	const key = randomBytes(32);
	const cid = await blobs.addBytes(await encryptBlob(key, utf8(JSON.stringify(bundle)), BUNDLE_AD));
	await blobs.pin(cid);
	return { cid, key: toBase64(key) };
}

/** Fetches and decrypts a bundle (unverified: pass it to verifyBundle). */
export async function fetchBundle(blobs: Pick<BlobStore, 'cat'>, pointer: BundlePointer, options: FetchPayloadOptions = {}): Promise<unknown> {
	let blob: Uint8Array;
	try {
		// Bounded in size and time: PayloadUnavailableError / PayloadTooLargeError pass through for a Retry on this share only.
		blob = await fetchPayload(blobs, pointer.cid, options);
	} catch (cause) {
		if (cause instanceof PayloadUnavailableError || cause instanceof PayloadTooLargeError) throw cause;
		throw new ShareUnavailableError('they point to no valid content address.', { cause });
	}
	try {
		return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await decryptBlob(fromBase64(pointer.key), blob, BUNDLE_AD)));
	} catch (cause) {
		throw new ShareUnavailableError('they were altered or the key does not match.', { cause });
	}
}

/**
 * The on-chain sealed pointer: one part only the grantee opens, one only the
 * patient opens (so the patient's browser can rebuild its grant list from the
 * chain alone). Constant size whatever the number of records:
 *   0x01 || u16 BE n || sealTo(granteeInbox, pointer) [n bytes] || encryptBlob(indexKey, pointer, ad(patient))
 */
export async function sealGrantPointer(
	pointer: BundlePointer,
	granteeInbox: Uint8Array,
	patient: { address: Hex; indexKey: Uint8Array; linkSalt?: Uint8Array }
): Promise<{ sealedPointer: Uint8Array }> {
	const forGrantee = await sealTo(granteeInbox, utf8(JSON.stringify({ cid: pointer.cid, key: pointer.key })));
	// A share link's salt goes in the patient's half only: with it the patient's keys rebuild the link.
	const own = { cid: pointer.cid, key: pointer.key, ...(patient.linkSalt ? { s: toBase64(patient.linkSalt) } : {}) };
	const forPatient = await encryptBlob(patient.indexKey, utf8(JSON.stringify(own)), patientPointerAd(patient.address));
	const head = new Uint8Array([1, forGrantee.length >> 8, forGrantee.length & 255]);
	return { sealedPointer: concatBytes(head, forGrantee, forPatient) };
}

function splitEnvelope(bytes: Uint8Array): { grantee: Uint8Array; patient: Uint8Array } | null {
	if (!(bytes instanceof Uint8Array) || bytes.length < 3 || bytes[0] !== 1) return null;
	const n = (bytes[1] << 8) | bytes[2];
	if (bytes.length < 3 + n) return null;
	return { grantee: bytes.subarray(3, 3 + n), patient: bytes.subarray(3 + n) };
}

function parsePointer(bytes: Uint8Array): (BundlePointer & { linkSalt?: Uint8Array }) | null {
	try {
		const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<BundlePointer> & { s?: unknown };
		if (typeof v?.cid !== 'string' || typeof v.key !== 'string' || fromBase64(v.key).length !== 32) return null;
		if (v.s === undefined) return { cid: v.cid, key: v.key };
		const linkSalt = typeof v.s === 'string' ? fromBase64(v.s) : null;
		if (!linkSalt || linkSalt.length !== LINK_SALT_BYTES) return null;
		return { cid: v.cid, key: v.key, linkSalt };
	} catch {
		return null;
	}
}

/** The grantee's view of a sealed pointer, or null when it is not sealed to `keyPair`. */
export async function openGranteePointer(sealedPointer: Uint8Array, keyPair: BoxKeyPair): Promise<BundlePointer | null> {
	const parts = splitEnvelope(sealedPointer);
	if (!parts) return null;
	try {
		return parsePointer(await openSealed(keyPair, parts.grantee));
	} catch {
		return null;
	}
}

/** The patient's view of a sealed pointer, or null when it was not made by this vault. */
/** The patient's view of a sealed pointer (with the link salt for share links made since links can be shown again), or null. */
export async function openPatientPointer(
	sealedPointer: Uint8Array,
	patient: { address: Hex; indexKey: Uint8Array }
): Promise<(BundlePointer & { linkSalt?: Uint8Array }) | null> {
	const parts = splitEnvelope(sealedPointer);
	if (!parts) return null;
	try {
		return parsePointer(await decryptBlob(patient.indexKey, parts.patient, patientPointerAd(patient.address)));
	} catch {
		return null;
	}
}
