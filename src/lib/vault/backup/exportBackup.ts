import type { OpenVault, VaultDeps } from '../deps';
import { indexRootCids } from '../vaultIndex';
import { encodeDescription } from './description';
import type { BackupBlocks, BackupProgress, ByteSink } from './ports';
import { vaultRoots } from './vaultRoots';

export interface BackupDeps extends Pick<VaultDeps, 'chain' | 'signer' | 'blobs' | 'local'> {
	backup: BackupBlocks;
}

/**
 * Writes every block of the vault (wrapped-key header, record index,
 * attachments and FHIR payloads, grant bundles) into one CAR file, streamed
 * into `sink`. The index and header are the ones the chain names now. On any
 * failure or cancel the sink is aborted, so no partial file is left.
 */
export async function exportBackup(
	deps: BackupDeps,
	vault: OpenVault,
	sink: ByteSink,
	options: { signal?: AbortSignal; onProgress?: (p: BackupProgress) => void; now?: Date } = {}
): Promise<{ blocks: number; bytes: number; roots: number }> {
	try {
		const [indexCids, indexPointer] = await Promise.all([indexRootCids(deps, vault.keys, vault.index), deps.chain.readIndexPointer(deps.signer.address)]);
		const roots = vaultRoots({ headerCid: vault.headerCid, indexCids, index: vault.index });
		const description = encodeDescription({
			address: deps.signer.address,
			chainId: deps.signer.chainId,
			header: vault.headerCid,
			indexPointer,
			createdAt: options.now ?? new Date()
		});
		// About the size of the file: the attachments dominate; index, header and bundles are small.
		const total = vault.index.records.reduce((n, r) => n + r.attachments.reduce((m, a) => m + a.manifest.size, 0), 0);
		const written = await deps.backup.writeCar({ roots, description }, sink, { signal: options.signal, onProgress: options.onProgress, total });
		await sink.close();
		return { ...written, roots: roots.length };
	} catch (err) {
		await sink.abort(err).catch(() => {});
		throw err;
	}
}
