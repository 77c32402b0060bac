import { currentLists, type CurrentLists } from '../records/reconcile';
import type { Category, ResourceSummary, VaultRecord } from '../records/model';
import { CATEGORY_LABELS } from '../records/model';
import type { FileInput, NewRecord } from './addRecords';
import { readFhirContent, type FhirContent, type FhirResource } from '../records/fhir/validate';
import { concatBytes } from '../crypto/encoding';
import { messageOf } from '../errors';
import { DecryptionFailedError } from '../crypto/errors';
import type { OpenVault, VaultDeps } from './deps';
import { readAttachment } from './openAttachment';
import { resourceRef, supersededRefs } from '../records/dedupe';

export const FHIR_NDJSON = 'application/fhir+ndjson';
export const FHIR_JSON = 'application/fhir+json';

export type { FhirContent, FhirResource };
export { readFhirContent };

/** A small in-memory file for the use cases (FHIR text is small next to scans). */
export function bytesFile(name: string, type: string, bytes: Uint8Array): FileInput {
	return { name, type, size: bytes.length, stream: async function* () { yield bytes; } };
}

/**
 * Turns an import's category groups into vault records: one record per
 * category, its resources as one NDJSON attachment, with a summary of every
 * resource in the (encrypted) index for the timeline and search.
 */
export function importRecords(
	groups: Array<{ category: Category; resources: FhirResource[]; summaries: ResourceSummary[] }>,
	source: string,
	today: string,
	/** For re-imports: the older resources each changed version replaces (see records/dedupe.ts). */
	replaces?: ReadonlyMap<FhirResource, readonly string[]>
): NewRecord[] {
	const encoder = new TextEncoder();
	return groups
		.filter((g) => g.resources.length > 0)
		.map((g) => {
			const ndjson = encoder.encode(g.resources.map((r) => JSON.stringify(r)).join('\n') + '\n');
			const newest = g.summaries.reduce<string | undefined>((d, s) => (s.date && (!d || s.date > d) ? s.date : d), undefined);
			const supersedes = [...new Set(g.resources.flatMap((r) => replaces?.get(r) ?? []))];
			const updated = g.resources.filter((r) => replaces?.has(r)).length;
			const fresh = g.resources.length - updated;
			const what = updated === 0 ? `${fresh} imported` : fresh === 0 ? `${updated} updated` : `${fresh} imported, ${updated} updated`;
			return {
				title: `${CATEGORY_LABELS[g.category]}: ${what}`,
				category: g.category,
				date: newest ?? today,
				kind: 'fhir',
				resourceType: 'Bundle',
				source,
				resources: g.summaries,
				...(supersedes.length ? { supersedes } : {}),
				files: [bytesFile(`${g.category}.ndjson`, FHIR_NDJSON, ndjson)]
			} satisfies NewRecord;
		});
}

/** A readable resource with the record it came from. */
export interface SourcedResource {
	resource: FhirResource;
	/** The record's source: 'you', 'import: <file>', or a provider's name and address. */
	source: string;
	recordId: string;
	/** `resourceRef(recordId, position)`: names this resource for `VaultRecord.supersedes`. */
	ref: string;
}

/** A record whose FHIR content (or part of it) could not be read, and why. */
export interface UnreadableRecord {
	recordId: string;
	title: string;
	source: string;
	/** Patient-readable reasons, one per part that failed ("line 3: not a FHIR resource (got null)"). */
	reasons: string[];
}

export interface FhirRecordsContent {
	resources: SourcedResource[];
	unreadable: UnreadableRecord[];
	/** Resources left out because a newer version in another record replaced them. */
	superseded: number;
}

/** What one record's FHIR attachments hold; kept per record so pages do not decrypt twice. */
export interface RecordContent {
	resources: FhirResource[];
	reasons: string[];
}

/**
 * Decrypts and reads the FHIR attachments of the given records (FHIR records
 * only). Never fails as a whole: a record that cannot be decrypted or holds
 * malformed FHIR is listed in `unreadable` with its reasons, and its readable
 * resources are still returned, so one bad record never hides the others.
 * Resources that a newer version replaced (any record of the vault naming them
 * in `supersedes`) are left out and counted, unless `includeSuperseded`.
 * `cache` (by record id) lets pages share what was already decrypted.
 */
export async function readFhirRecords(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	records: readonly VaultRecord[],
	options: {
		onProgress?: (done: number, total: number) => void;
		cache?: Map<string, RecordContent>;
		signal?: AbortSignal;
		includeSuperseded?: boolean;
	} = {}
): Promise<FhirRecordsContent> {
	const fhirRecords = records.filter((r) => r.kind === 'fhir');
	const out: FhirRecordsContent = { resources: [], unreadable: [], superseded: 0 };
	const superseded = options.includeSuperseded ? new Set<string>() : supersededRefs(vault.index.records);
	for (const [i, record] of fhirRecords.entries()) {
		options.onProgress?.(i, fhirRecords.length);
		let content = options.cache?.get(record.id);
		if (!content) {
			const read = await readRecord(deps, vault, record, options.signal);
			content = read.content;
			// A fetch that failed may work next time; content that was read stays as it is.
			if (!read.fetchFailed) options.cache?.set(record.id, content);
		}
		const source = typeof record.source === 'string' ? record.source : 'you';
		content.resources.forEach((resource, position) => {
			const ref = resourceRef(record.id, position);
			if (superseded.has(ref)) out.superseded++;
			else out.resources.push({ resource, source, recordId: record.id, ref });
		});
		if (content.reasons.length > 0) out.unreadable.push({ recordId: record.id, title: record.title, source, reasons: content.reasons });
	}
	options.onProgress?.(fhirRecords.length, fhirRecords.length);
	return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readRecord(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	record: VaultRecord,
	signal?: AbortSignal
): Promise<{ content: RecordContent; fetchFailed: boolean }> {
	const content: RecordContent = { resources: [], reasons: [] };
	let fetchFailed = false;
	const fhirAttachments = (Array.isArray(record.attachments) ? record.attachments : []).filter((a) => isFhirAttachment(a?.type, a?.name));
	for (const att of fhirAttachments) {
		// With several files, say which one a reason is about.
		const where = fhirAttachments.length > 1 ? `${att.name}: ` : '';
		let bytes: Uint8Array;
		try {
			bytes = concatBytes(...(await readAttachment(deps, vault, record, att, { signal })));
		} catch (err) {
			signal?.throwIfAborted();
			if (!(err instanceof DecryptionFailedError)) fetchFailed = true;
			content.reasons.push(`${where}${messageOf(err)}`);
			continue;
		}
		const read = readFhirBytes(bytes);
		content.resources.push(...read.resources);
		for (const r of read.problems) content.reasons.push(`${where}${r}`);
	}
	return { content, fetchFailed };
}

/** `readFhirContent` over decrypted bytes, which must be UTF-8. Never throws. */
export function readFhirBytes(bytes: Uint8Array): FhirContent {
	let text: string;
	try {
		text = utf8.decode(bytes);
	} catch {
		return { resources: [], problems: ['it is not UTF-8 text'] };
	}
	return readFhirContent(text);
}

/**
 * Why FHIR content received from someone else cannot go into the vault, or
 * null when every part of it is a readable resource. Used before accepting.
 */
export function fhirContentProblem(name: string, bytes: Uint8Array): string | null {
	const read = readFhirBytes(bytes);
	if (read.problems.length > 0) {
		const more = read.problems.length > 1 ? ` (and ${read.problems.length - 1} more problems)` : '';
		return `"${name}" is not readable FHIR: ${read.problems[0]}${more}.`;
	}
	if (read.resources.length === 0) return `"${name}" holds no FHIR resource.`;
	return null;
}

export function isFhirAttachment(type: unknown, name: unknown): boolean {
	return type === FHIR_NDJSON || type === FHIR_JSON || (typeof name === 'string' && name.endsWith('.ndjson'));
}

/** The records whose content feeds the reconciled lists. */
export function listSourceRecords(records: readonly VaultRecord[]): VaultRecord[] {
	return records.filter((r) => r.kind === 'fhir' && ['medications', 'problems', 'allergies'].includes(r.category));
}

/**
 * The patient's current medications, problems and allergies: decrypts the
 * records they can come from and reconciles them. Each item keeps the record
 * it came from; a record that cannot be read is returned in `unreadable` and
 * never fails the lists.
 */
export async function readCurrentLists(
	deps: Pick<VaultDeps, 'blobs'>,
	vault: OpenVault,
	options: { cache?: Map<string, RecordContent>; signal?: AbortSignal } = {}
): Promise<{ lists: CurrentLists; unreadable: UnreadableRecord[] }> {
	const content = await readFhirRecords(deps, vault, listSourceRecords(vault.index.records), options);
	return { lists: currentLists(content.resources), unreadable: content.unreadable };
}
