/**
 * The record model: what the encrypted index holds about each record. None of
 * this ever leaves the browser in clear; the index is encrypted with the
 * vault's index key before it is stored on IPFS.
 */

export const CATEGORIES = [
	'medications',
	'problems',
	'allergies',
	'labs',
	'imaging',
	'notes',
	'immunizations',
	'procedures',
	'encounters',
	'documents',
	'devices',
	'other'
] as const;

export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABELS: Record<Category, string> = {
	medications: 'Medications',
	problems: 'Problems',
	allergies: 'Allergies',
	labs: 'Labs and observations',
	imaging: 'Imaging',
	notes: 'Notes',
	immunizations: 'Immunizations',
	procedures: 'Procedures',
	encounters: 'Encounters',
	documents: 'Documents',
	devices: 'Devices',
	other: 'Other'
};

export function isCategory(value: unknown): value is Category {
	return typeof value === 'string' && (CATEGORIES as readonly string[]).includes(value);
}

/** How the record cipher framed one attachment (hashed into the associated data). */
export interface CipherManifest {
	v: 1;
	alg: 'secretstream-xchacha20poly1305';
	chunk: number;
	/** Attachment id; binds the ciphertext to this attachment. */
	id: string;
	/** Plaintext size in bytes. */
	size: number;
	/** CID of the ciphertext on IPFS. */
	cid: string;
	/** Data key sealed with Umbral to the (category, epoch) key: base64. */
	capsule: string;
	sealedKey: string;
	/** Epoch of the category key the data key is sealed to. */
	epoch: number;
}

export interface Attachment {
	id: string;
	/** Original file name, untrusted: always rendered as text. */
	name: string;
	/** MIME type as given by the browser, or sniffed; untrusted. */
	type: string;
	manifest: CipherManifest;
}

export interface VaultRecord {
	id: string;
	title: string;
	category: Category;
	/** Clinical date (YYYY-MM-DD) the patient gave, or the date of adding. */
	date: string;
	/** When it was added to the vault (ISO 8601). */
	addedAt: string;
	/** 'file' for uploads, 'fhir' for FHIR R4 resources. */
	kind: 'file' | 'fhir';
	/** For FHIR records: the resource type (e.g. "MedicationRequest"). */
	resourceType?: string;
	attachments: Attachment[];
	/** Batch number of the anchor that committed this record. */
	batch?: number;
	/** Where it came from: 'you', 'import: <file>', or a provider's registered name and address. */
	source?: string;
	/**
	 * For FHIR records holding several resources (an import groups them per
	 * category into one NDJSON attachment): one summary per resource, so the
	 * timeline and search work without decrypting every record.
	 */
	resources?: ResourceSummary[];
	/**
	 * Resources of earlier records that this record's resources replace (a newer
	 * version from a re-import), as `resourceRef(recordId, position)`. The older
	 * records stay in the vault unchanged; lists, timeline and exports show the
	 * newer version only (see records/dedupe.ts).
	 */
	supersedes?: string[];
}

export interface ResourceSummary {
	id: string;
	resourceType: string;
	title: string;
	/** Clinical date, YYYY-MM-DD, when the resource has one. */
	date?: string;
	/** Display names of its codes, for search. */
	codes: string[];
	/** The source marked it entered-in-error: kept in the vault, shown on no timeline or list. */
	enteredInError?: true;
}

export interface VaultIndex {
	v: 1;
	records: VaultRecord[];
	/** Current Umbral key epoch per category (0 if absent). */
	epochs: Partial<Record<Category, number>>;
	/** Number of batches anchored so far. */
	batches: number;
	/**
	 * Grants this vault made (scope lives only here and in the grantee's
	 * sealed bundle; the chain holds a commitment). A cache: the sharing use
	 * cases rebuild it from the chain when a grant is missing.
	 */
	grants?: GrantRecord[];
	/**
	 * CID of the patient's remote copies (services and access tokens) sealed
	 * under the index key (vault/remote/settings.ts): written into every
	 * batch, so the list travels to the patient's other devices with the vault.
	 */
	remotes?: string;
	/**
	 * Where this index stands in its log on IPFS (vault/vaultIndex.ts); absent
	 * before the first commit. Kept in memory only: it is how the next commit
	 * appends a batch without rewriting what is already stored.
	 */
	log?: IndexLog;
}

/** A complete subtree of the index log: a batch block (level 0) or a node of INDEX_LOG_FANOUT subtrees one level down. */
export interface IndexLogPeak {
	level: number;
	cid: string;
}

export interface IndexLog {
	/** CID of the latest batch block, the one the chain pointer names. */
	head: string;
	/** The subtrees holding every batch before the head, oldest first (as the head block lists them). */
	prior: IndexLogPeak[];
	/** Each grant as last written to the log (canonical JSON by id): a commit writes only grants that changed. */
	committedGrants: Record<string, string>;
}

/** What a grant covers: whole categories (new records included) or chosen records only. */
export type GrantScope = { categories: Category[] } | { recordIds: string[] };

export interface GrantRecord {
	/** On-chain grant id, a bigint as decimal text (JSON has no bigint). */
	id: string;
	/** A provider's address, or a share link's throwaway address. */
	grantee: `0x${string}`;
	kind: 'provider' | 'link';
	scope: GrantScope;
	/** Unix seconds; 0 = no expiry. */
	expiresAt: number;
	/** ISO 8601. */
	createdAt: string;
	/** CID of the latest encrypted bundle. */
	bundleCid?: string;
	/** The patient's own name for it ("Dr. Lee", "ER visit link"). */
	label?: string;
	/** Public keys that receive the bundle (base64): a link's throwaway keys, needed to extend it. */
	receiver?: { inbox: string; umbral: string };
	/** Categories whose epoch moved when this grant was revoked (set on revoke). */
	rotated?: Category[];
}

export function emptyIndex(): VaultIndex {
	return { v: 1, records: [], epochs: {}, batches: 0 };
}

/** Newest clinical date first; same date: newest added first. */
export function sortNewestFirst(records: readonly VaultRecord[]): VaultRecord[] {
	return [...records].sort(
		(a, b) => b.date.localeCompare(a.date) || b.addedAt.localeCompare(a.addedAt)
	);
}

// How a file is shown is decided from its bytes (fileKind.ts), never from its
// name or declared type; names are cleaned by fileName.ts.
export { safeFileName } from './fileName';
