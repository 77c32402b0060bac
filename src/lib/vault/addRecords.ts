import { RECORD_CIPHER_ALG } from '../crypto/recordCipher';
import { sealDataKey } from '../crypto/pre';
import { toBase64 } from '../crypto/encoding';
import type { Attachment, Category, CipherManifest, ResourceSummary, VaultRecord } from '../records/model';
import { EmptyFileError } from '../records/errors';
import type { FileInput, OpenVault, VaultDeps } from './deps';
import { encryptFile } from './encryptFile';
import { randomId } from './random';

export type { FileInput } from './deps';

export interface NewRecord {
	title: string;
	category: Category;
	/** Clinical date, YYYY-MM-DD. */
	date: string;
	kind: 'file' | 'fhir';
	resourceType?: string;
	source?: string;
	resources?: ResourceSummary[];
	/** Resources of earlier records this one replaces (see VaultRecord.supersedes). */
	supersedes?: string[];
	files: FileInput[];
}

export interface AddProgress {
	/** Plaintext bytes encrypted and stored so far, over all files. */
	done: number;
	total: number;
	file: string;
}

/**
 * Encrypts and stores every file of the new records on IPFS (streaming, one
 * data key per file, sealed to the category's current Umbral key). Returns
 * the index entries; nothing is committed to the index or the chain yet.
 */
export async function encryptRecords(
	deps: Pick<VaultDeps, 'blobs' | 'encrypt'>,
	vault: OpenVault,
	inputs: NewRecord[],
	options: { onProgress?(p: AddProgress): void; signal?: AbortSignal; now?: Date } = {}
): Promise<VaultRecord[]> {
	// Check everything before storing anything, so a bad file costs no work.
	for (const input of inputs) for (const f of input.files) if (f.size === 0) throw new EmptyFileError(f.name);

	const total = inputs.reduce((n, r) => n + r.files.reduce((m, f) => m + f.size, 0), 0);
	let done = 0;
	const addedAt = (options.now ?? new Date()).toISOString();
	const records: VaultRecord[] = [];
	for (const input of inputs) {
		const epoch = vault.index.epochs[input.category] ?? 0;
		const attachments: Attachment[] = [];
		for (const file of input.files) {
			const before = done;
			const manifest = await encryptAttachment(deps, vault, input.category, epoch, file, {
				signal: options.signal,
				onProgress: (bytes) => {
					done = before + bytes;
					options.onProgress?.({ done, total, file: file.name });
				}
			});
			done = before + file.size;
			attachments.push({ id: manifest.id, name: file.name, type: file.type, manifest });
		}
		records.push({
			id: randomId(),
			title: input.title,
			category: input.category,
			date: input.date,
			addedAt,
			kind: input.kind,
			...(input.resourceType ? { resourceType: input.resourceType } : {}),
			source: input.source ?? 'you',
			...(input.resources ? { resources: input.resources } : {}),
			...(input.supersedes?.length ? { supersedes: input.supersedes } : {}),
			attachments
		});
	}
	return records;
}

async function encryptAttachment(
	deps: Pick<VaultDeps, 'blobs' | 'encrypt'>,
	vault: OpenVault,
	category: Category,
	epoch: number,
	file: FileInput,
	options: { onProgress(bytes: number): void; signal?: AbortSignal }
): Promise<CipherManifest> {
	const umbral = vault.keys.umbralKey(category, epoch).publicKey;
	const { id, cid, chunk, kept: sealed } = await encryptFile(deps, file, (dek) => sealDataKey(umbral, dek), options);
	return {
		v: 1,
		alg: RECORD_CIPHER_ALG,
		chunk,
		id,
		size: file.size,
		cid,
		capsule: toBase64(sealed.capsule),
		sealedKey: toBase64(sealed.ciphertext),
		epoch
	};
}
