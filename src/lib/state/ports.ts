import type { AppConfig } from '../config';
import type { WalletSession } from '../wallet/session.svelte';
import type { Encryptor, Ports, ViewerPorts } from '../vault/deps';
import type { BlobStore, LocalStore } from '../vault/ports';
import type { BackupBlocks } from '../vault/backup/ports';
import type { RemoteCopyPort } from '../vault/remote/ports';
import type { ScanProgress } from '../chain/scanLogs';
import type { StoragePorts } from './storage.svelte';
import { WalletNotConnectedError } from '../wallet/errors';
import { sealedEventCache } from '../vault/audit/eventCache';
import { deferredCat } from '../ipfs/fallbackCat';

/**
 * What differs between a browser tab and a node test: where blobs and local
 * values are kept, and whether encryption runs on another thread. Everything
 * else (the chain adapters, the wallet's signer) is built the same way in both.
 */
export interface Environment {
	/** The IPFS blob store, started on first use (Helia is heavy: never in the first paint). */
	blobs(): Promise<BlobStore>;
	/** Where the share-link viewer reads from (read-only; the site's gateways first where it names any); absent: `blobs`. */
	viewerBlobs?(): Promise<Pick<BlobStore, 'cat'>>;
	/** This device's store of sealed values. */
	local: LocalStore;
	/** Record encryption on another thread; absent: on the page's thread. */
	encryptor?(): Promise<Encryptor>;
	/** CAR backups over this device's blockstore; absent where there is none to back up (a node test without one). */
	backupBlocks?(): Promise<BackupBlocks>;
	/** Pinning Service API clients over this page's IPFS node (origins, delegates); absent without one. */
	remoteCopy?(): Promise<RemoteCopyPort>;
	/** Why this page may hold no vault (a shared gateway origin: vault/originCheck), or null. */
	refusal: Error | null;
	/** Which local block store holds this device's blocks, and the browser's storage promises (Settings). */
	storage?: StoragePorts;
	/** Runs once a vault is open (created or unlocked): the browser is asked to keep its blocks. */
	onVaultOpen?(): void;
}

/** Told how far a chain scan has got (blocks scanned of total), for a progress bar. */
export type OnScanProgress = (progress: ScanProgress) => void;

/**
 * A public RPC answers 429 when rate-limited and 5xx when busy: viem's http
 * transport retries those (and timeouts) with exponential backoff
 * (250 ms, 500 ms, 1 s, 2 s) and honours Retry-After, before the chain
 * adapters turn what is left into ChainUnreachableError.
 */
export const RPC_RETRY = { retryCount: 4, retryDelay: 250 } as const;

async function readClient(config: AppConfig) {
	const { createPublicClient, http } = await import('viem');
	return createPublicClient({ transport: http(config.rpcUrl, RPC_RETRY) });
}

/**
 * Builds every adapter the connected account's use cases reach, once: one
 * viem public client, the wallet's client, the four contract adapters, the
 * blob store and the local store. The app object calls it again only when the
 * account or chain changes.
 */
export async function buildPorts(config: AppConfig, wallet: WalletSession, env: Environment, onScanProgress?: OnScanProgress): Promise<Ports> {
	const { walletClient, address, chainId } = wallet;
	if (!walletClient || !address || chainId === null) throw new WalletNotConnectedError();
	// No vault adapter at all on a shared path gateway: another site there shares this origin.
	if (env.refusal) throw env.refusal;
	const [publicClient, { verifyMessage }, { createVaultChain }, { createGrantChain }, { createProviderChain }, { createAttestationReader }, auditChain, blobs, encrypt, backup, remote, research] =
		await Promise.all([
			readClient(config),
			import('viem'),
			import('../chain/vaultChain'),
			import('../chain/grantChain'),
			import('../chain/providerChain'),
			import('../chain/attestationChain'),
			import('../chain/auditSources'),
			env.blobs(),
			env.encryptor?.(),
			env.backupBlocks?.(),
			env.remoteCopy?.(),
			config.contracts.researchConsent ? import('../chain/researchChain') : null
		]);
	const fromBlock = BigInt(config.deployBlock);
	// One cache for every reader of this account: what a visit scanned is not scanned again on the next.
	const eventCache = sealedEventCache(env.local);
	const clients = {
		publicClient,
		walletClient,
		account: address,
		addresses: config.contracts,
		chainId: config.chainId,
		fromBlock,
		logScan: { blockRange: config.logBlockRange, onProgress: onScanProgress, cache: eventCache }
	};
	const { emergencyAccess } = config.contracts;
	const emergency = emergencyAccess
		? (await import('../chain/emergencyChain')).createEmergencyChain({ ...clients, addresses: { ...config.contracts, emergencyAccess }, fromBlock })
		: undefined;
	const emergencyAudit = emergencyAccess ? await import('../chain/emergencyAudit') : null;
	return {
		signer: { address, chainId, signMessage: (message) => wallet.signMessage(message) },
		chain: createVaultChain(clients),
		grants: createGrantChain(clients),
		providers: createProviderChain(clients),
		...(config.contracts.eas
			? {
					attestations: createAttestationReader({
						publicClient,
						addresses: config.contracts,
						chainId: config.chainId,
						fromBlock,
						logBlockRange: config.logBlockRange
					})
				}
			: {}),
		blobs,
		local: env.local,
		eventCache,
		audit: {
			// One source per contract: the core four, then emergency access and research consent where the site has them.
			sources: [
				...auditChain.coreAuditSources(clients),
				...(emergencyAudit && emergencyAccess
					? [emergencyAudit.emergencyAuditSource({ publicClient, address: emergencyAccess, logScan: clients.logScan, fromBlock })]
					: []),
				...(research ? [research.createResearchAuditSource(clients)] : [])
			],
			latestBlock: () => auditChain.latestBlock(clients),
			chainId: config.chainId
		},
		domain: config.appDomain,
		uri: config.appUri,
		verifySignature: (p) => verifyMessage(p),
		...(encrypt ? { encrypt } : {}),
		...(backup ? { backup } : {}),
		...(remote ? { remote } : {}),
		...(research ? { research: research.createResearchChain(clients) } : {}),
		...(emergency ? { emergency } : {})
	};
}

/** Loads the viewer's chain code ahead of `buildViewerPorts` (a page opened on a share link). */
export async function warmViewerPorts(): Promise<void> {
	await Promise.all([import('viem'), import('../chain/grantChain')]);
}

/**
 * A share link's viewer: read-only chain and IPFS, no wallet (the doctor with a link may have none).
 * The block source starts now but is not waited for: the chain check runs beside it.
 */
export async function buildViewerPorts(config: AppConfig, env: Pick<Environment, 'blobs' | 'viewerBlobs'>, onScanProgress?: OnScanProgress): Promise<ViewerPorts> {
	const blobs = deferredCat(env.viewerBlobs ? env.viewerBlobs() : env.blobs());
	const [publicClient, { createGrantChain }] = await Promise.all([readClient(config), import('../chain/grantChain')]);
	const grants = createGrantChain({
		publicClient,
		addresses: config.contracts,
		chainId: config.chainId,
		fromBlock: BigInt(config.deployBlock),
		logScan: { blockRange: config.logBlockRange, onProgress: onScanProgress }
	});
	return { blobs, grants };
}
