import type { AppConfig } from '../config';
import type { WalletSession } from '../wallet/session.svelte';
import type { BackupDeps } from '../vault/backup/exportBackup';
import { browserIpfs, makeVaultDeps } from './adapters';

/** The backup use cases' adapters: the vault's chain and signer, and CAR files over this browser's blockstore. */
export async function makeBackupDeps(config: AppConfig, wallet: WalletSession): Promise<BackupDeps> {
	const [deps, node, { createCarBackup }] = await Promise.all([makeVaultDeps(config, wallet), browserIpfs(config), import('../ipfs/carBackup')]);
	return { chain: deps.chain, signer: deps.signer, backup: createCarBackup(node.helia) };
}
