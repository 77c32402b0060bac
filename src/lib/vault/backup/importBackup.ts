import { bytesEqual } from '../../crypto/encoding';
import type { VaultDeps } from '../deps';
import { decodeDescription } from './description';
import { BackupForeignError, BackupOutdatedError, BackupTruncatedError } from './errors';
import type { BackupBlocks, BackupProgress, ByteSource } from './ports';

export interface RestoreDeps extends Pick<VaultDeps, 'chain' | 'signer'> {
	backup: BackupBlocks;
}

export type ImportPhase = 'checking' | 'storing';

/**
 * Imports a backup into this device's blockstore, for the connected account.
 * First the whole file is read and checked without storing anything: every
 * block against its CID, every DAG complete, and the backup must be of the
 * vault this account has on the chain now (its header, and its index as the
 * chain's pointer names it). Only then is it read again and stored. So a
 * damaged, cut or foreign file changes nothing. Afterwards the vault unlocks
 * as usual (wallet, passphrase or recovery code).
 * Throws BackupUnreadableError, BackupCorruptError, BackupTruncatedError,
 * BackupForeignError, BackupOutdatedError, or the signal's reason.
 */
export async function importBackup(
	deps: RestoreDeps,
	source: ByteSource,
	options: { signal?: AbortSignal; size?: number; onProgress?: (phase: ImportPhase, p: BackupProgress) => void } = {}
): Promise<{ blocks: number; bytes: number }> {
	const { signal, size } = options;
	const address = deps.signer.address;
	const scan = await deps.backup.scanCar(source(), { signal, total: size, onProgress: (p) => options.onProgress?.('checking', p) });
	const description = decodeDescription(scan.description);

	const [headerCid, indexPointer] = await Promise.all([deps.chain.readVaultPointer(address), deps.chain.readIndexPointer(address)]);
	if (
		!headerCid ||
		description.address !== address.toLowerCase() ||
		description.chainId !== deps.signer.chainId ||
		description.header !== headerCid
	)
		throw new BackupForeignError(address, { details: `backup of ${description.address} on chain ${description.chainId}, header ${description.header}; chain names ${headerCid ?? 'no vault'}` });
	// The scan proved every listed root complete; the header must be one of them.
	if (!scan.roots.includes(headerCid)) throw new BackupTruncatedError({ details: `the vault header ${headerCid} is not in the file` });
	const same = indexPointer === null ? description.indexPointerBytes === null : description.indexPointerBytes !== null && bytesEqual(indexPointer, description.indexPointerBytes);
	if (!same) throw new BackupOutdatedError({ details: `backup made ${description.createdAt}` });

	signal?.throwIfAborted();
	return deps.backup.storeCar(source(), { signal, total: size, onProgress: (p) => options.onProgress?.('storing', p) });
}
