/**
 * Makes a SMART Health Link (flag U) for records the patient picked: their
 * FHIR resources, and their files as DocumentReferences with the data
 * inline, in one FHIR R4 `collection` Bundle, encrypted as a compact JWE
 * (`dir`, `A256GCM`, `cty: application/fhir+json`) under a fresh 32-byte key,
 * stored on IPFS as one raw block, so that `<gateway>/ipfs/<cid>?format=raw`
 * answers a plain GET with exactly the JWE (any trustless or path gateway).
 *
 * Nothing goes on-chain: such a link cannot be revoked or audited. Unpinning
 * stops our peers serving it, not copies elsewhere.
 */
import { CompactEncrypt, base64url } from 'jose';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { concatBytes, toBase64 } from '../../crypto/encoding';
import { messageOf } from '../../errors';
import { fileKindOf } from '../../records/fileKind';
import { fullUrlOf } from '../../records/fhir/export';
import type { FhirResource } from '../../records/fhir/validate';
import type { GrantScope, VaultRecord } from '../../records/model';
import type { OpenVault, VaultDeps } from '../deps';
import { isFhirAttachment, readFhirBytes } from '../fhirRecords';
import { readAttachment } from '../openAttachment';
import { randomBytes } from '../random';
import { recordsInScope } from '../sharing/bundle';
import { ShlCreateError } from './errors';
import { encodeShl, sanitizeLabel, SHL_KEY_BYTES, SHL_URL_MAX, type ShlPayload } from './payload';

export const SHL_CONTENT_TYPE = 'application/fhir+json';
/**
 * The JWE must be one raw block for `?format=raw` to return it whole: the
 * importer's leaf size, the largest block every IPFS implementation exchanges.
 */
export const SHL_MAX_FILE_BYTES = 1024 * 1024;
/** How long a link lasts when the patient does not say. */
export const SHL_DEFAULT_DAYS = 30;

const CONTENT_TYPES = {
	pdf: 'application/pdf',
	png: 'image/png',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp',
	text: 'text/plain',
	json: 'application/json',
	download: 'application/octet-stream'
} as const;

export interface MakeShlParams {
	scope: GrantScope;
	/** Unix seconds; must be in the future. */
	exp: number;
	/** The patient's words; sanitised to the IG's 80 characters. */
	label?: string;
	/** The gateway the link's url names (config.gateways[0]). */
	gateway: string;
}

export interface MadeShl {
	/** `shlink:/...` */
	link: string;
	/** base64url secret that unpins the file on the peers that keep it (unpinShl); only the patient keeps it. */
	unpinSecret: string;
	payload: ShlPayload;
	cid: string;
	/** Bytes of the JWE. */
	size: number;
	resources: number;
	documents: number;
}

export interface ShlBundlePart {
	resources: FhirResource[];
	documents: Array<{ title: string; name: string; date: string; bytes: Uint8Array }>;
}

/**
 * A `collection` Bundle of the resources and documents. Each entry's fullUrl
 * is unique: the resource's own `urn:uuid:` when it has a UUID id (so
 * references between resources still resolve), a fresh one otherwise or on a
 * clash. A document's contentType is what its bytes are (fileKind.ts), never
 * what its name or sender claimed.
 */
export function shlBundle(part: ShlBundlePart, options: { newId?: () => string; now?: Date } = {}): FhirResource {
	const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
	const seen = new Set<string>();
	const unique = (fullUrl: string) => {
		let url = fullUrl;
		while (seen.has(url)) url = `urn:uuid:${newId()}`;
		seen.add(url);
		return url;
	};
	const entry = part.resources.map((resource) => ({ fullUrl: unique(fullUrlOf(resource, newId)), resource }));
	for (const doc of part.documents) {
		const id = newId();
		const resource: FhirResource = {
			resourceType: 'DocumentReference',
			id,
			status: 'current',
			description: doc.title,
			...(isInstant(doc.date) ? { date: doc.date } : {}),
			content: [{ attachment: { contentType: CONTENT_TYPES[fileKindOf(doc.bytes).kind], data: toBase64(doc.bytes), title: doc.name, size: doc.bytes.length } }]
		};
		entry.push({ fullUrl: unique(`urn:uuid:${id}`), resource });
	}
	return { resourceType: 'Bundle', type: 'collection', timestamp: (options.now ?? new Date()).toISOString(), entry };
}

const isInstant = (v: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v);

/** Decrypts the records in scope: their FHIR resources, and their other files as documents. */
export async function readShlPart(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	records: readonly VaultRecord[],
	options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}
): Promise<ShlBundlePart> {
	const part: ShlBundlePart = { resources: [], documents: [] };
	for (const [i, record] of records.entries()) {
		options.onProgress?.(i, records.length);
		for (const att of record.attachments) {
			let bytes: Uint8Array;
			try {
				bytes = concatBytes(...(await readAttachment(deps, vault, record, att, { signal: options.signal })));
			} catch (cause) {
				options.signal?.throwIfAborted();
				throw new ShlCreateError(`“${record.title}” could not be read (${messageOf(cause)}). Leave it out or try again.`, { cause });
			}
			if (record.kind === 'fhir' && isFhirAttachment(att.type, att.name)) {
				const read = readFhirBytes(bytes);
				if (read.problems.length > 0) throw new ShlCreateError(`part of “${record.title}” is not readable FHIR (${read.problems[0]}). Leave it out.`);
				part.resources.push(...read.resources);
			} else {
				part.documents.push({ title: record.title, name: att.name, date: record.addedAt, bytes });
			}
		}
	}
	options.onProgress?.(records.length, records.length);
	return part;
}

/** Encrypts bytes as the IG's compact JWE under `key`. */
export function encryptShlFile(plaintext: Uint8Array, key: Uint8Array): Promise<string> {
	return new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: SHL_CONTENT_TYPE }).encrypt(key);
}

/** The url of a raw block on a gateway: `?format=raw` makes trustless gateways answer with the bytes themselves. */
export function gatewayFileUrl(gateway: string, cid: string): string {
	return `${gateway.replace(/\/+$/, '')}/ipfs/${cid}?format=raw`;
}

/**
 * Makes the link. Throws ShlCreateError when nothing is in scope, a record
 * cannot be read, the end is not in the future, the gateway url would be too
 * long, or the file would not fit one block.
 */
export async function makeShl(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	p: MakeShlParams,
	options: { now?: () => number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}
): Promise<MadeShl> {
	const nowMs = (options.now ?? Date.now)();
	if (!Number.isSafeInteger(p.exp) || p.exp <= Math.floor(nowMs / 1000)) throw new ShlCreateError('its end date must be in the future.');
	if (!/^https?:\/\/[^\s?#]+$/.test(p.gateway)) throw new ShlCreateError('this site names no IPFS gateway to serve it from.');
	const records = recordsInScope(vault.index.records, p.scope);
	if (records.length === 0) throw new ShlCreateError('nothing is in the chosen scope. Choose at least one record or a category that holds records.');

	const part = await readShlPart(deps, vault, records, options);
	const bundle = shlBundle(part, { now: new Date(nowMs) });
	const key = randomBytes(SHL_KEY_BYTES);
	const jwe = new TextEncoder().encode(await encryptShlFile(new TextEncoder().encode(JSON.stringify(bundle)), key));
	if (jwe.length > SHL_MAX_FILE_BYTES)
		throw new ShlCreateError(
			`the chosen records come to ${(jwe.length / 1048576).toFixed(1)} MiB encrypted, more than the 1 MiB one link can hold. Choose fewer records, or use a Carevault share link.`
		);
	const cid = await deps.blobs.addBytes(jwe, { signal: options.signal });
	// One raw block: what the gateway returns for ?format=raw is the file itself.
	if (CID.parse(cid).code !== raw.code) throw new ShlCreateError('the file was not stored as a single block.');
	// Pinned: kept here, and our peers are asked to keep and serve a copy,
	// which only the holder of the unpin secret can ask them to drop.
	const unpinSecret = randomBytes(32);
	const unpinTag = await sha256Hex(unpinSecret);
	await deps.blobs.pin(cid, { signal: options.signal, unpinTag });

	const url = gatewayFileUrl(p.gateway, cid);
	if (url.length > SHL_URL_MAX) throw new ShlCreateError(`the gateway address makes the link's url longer than ${SHL_URL_MAX} characters.`);
	const label = p.label === undefined ? undefined : sanitizeLabel(p.label);
	const payload: ShlPayload = { url, key: base64url.encode(key), exp: p.exp, flag: 'U', ...(label ? { label } : {}), v: 1 };
	key.fill(0);
	return { link: encodeShl(payload), unpinSecret: base64url.encode(unpinSecret), payload, cid, size: jwe.length, resources: part.resources.length, documents: part.documents.length };
}

/** Hex SHA-256: the unpin tag peers compare the secret with (scripts/ipfs-peer.mjs). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
	return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
