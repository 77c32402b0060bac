import type { AppConfig } from '../config';
import type { WalletSession } from '../wallet/session.svelte';
import type { VaultDeps } from '../vault/deps';
import { WalletNotConnectedError } from '../wallet/errors';
import { createIdbLocalStore } from '../storage/idbLocalStore';
import { VaultLockedError } from '../vault/errors';
import { originCheck } from '../vault/originCheck';

// Helia and the chain adapter are heavy: loaded on first use, once, never in the first paint.
let ipfsNode: Promise<Awaited<ReturnType<typeof import('../ipfs/node').startBrowserNode>>> | null = null;

export function browserIpfs(config: AppConfig) {
	ipfsNode ??= import('../ipfs/node').then(({ startBrowserNode }) => startBrowserNode({ peers: config.ipfsPeers, gateways: config.gateways }));
	return ipfsNode;
}

/** Told how far a chain scan has got (blocks scanned of total), for a progress bar. */
export type OnScanProgress = (progress: import('../chain/scanLogs').ScanProgress) => void;

/** What every contract adapter is given, for the connected wallet. */
async function contractClients(config: AppConfig, wallet: WalletSession, onScanProgress?: OnScanProgress) {
	const { walletClient, address } = wallet;
	if (!walletClient || !address) throw new WalletNotConnectedError();
	const { createPublicClient, http } = await import('viem');
	return {
		publicClient: createPublicClient({ transport: http(config.rpcUrl) }),
		walletClient,
		account: address,
		addresses: config.contracts,
		chainId: config.chainId,
		fromBlock: BigInt(config.deployBlock),
		logScan: { blockRange: config.logBlockRange, onProgress: onScanProgress }
	};
}

/** Wires the browser adapters (wallet, viem, Helia, IndexedDB) to the vault use cases. */
export async function makeVaultDeps(config: AppConfig, wallet: WalletSession): Promise<VaultDeps> {
	const address = wallet.address;
	if (!address || wallet.chainId === null) throw new WalletNotConnectedError();
	// No vault adapter at all on a shared path gateway: another site there shares this origin.
	const origin = originCheck({ location, config });
	if (!origin.ok) throw origin.error;
	const [clients, { createVaultChain }, { verifyMessage }, node, { browserEncryptor }] = await Promise.all([
		contractClients(config, wallet),
		import('../chain/vaultChain'),
		import('viem'),
		browserIpfs(config),
		import('../workers/encryptor')
	]);
	const chainId = wallet.chainId;
	return {
		signer: { address, chainId, signMessage: (message) => wallet.signMessage(message) },
		chain: createVaultChain(clients),
		blobs: node.blobStore,
		local: createIdbLocalStore(),
		domain: config.appDomain,
		uri: config.appUri,
		verifySignature: (p) => verifyMessage(p),
		encrypt: browserEncryptor
	};
}

/** The provider chain (profiles and the proposal mailbox) for the connected wallet. */
export async function makeProviderChain(
	config: AppConfig,
	wallet: WalletSession,
	onScanProgress?: OnScanProgress
): Promise<import('../vault/providerPorts').ProviderChain> {
	const [clients, { createProviderChain }] = await Promise.all([contractClients(config, wallet, onScanProgress), import('../chain/providerChain')]);
	return createProviderChain(clients);
}

/** Everything the proposal use cases need: the vault's adapters plus the provider chain. */
export async function makeProposalDeps(
	config: AppConfig,
	wallet: WalletSession,
	onScanProgress?: OnScanProgress
): Promise<import('../vault/proposals/deps').ProposalDeps> {
	const [deps, providers] = await Promise.all([makeVaultDeps(config, wallet), makeProviderChain(config, wallet, onScanProgress)]);
	return { ...deps, providers };
}

/** How the provider and inbox states reach the app's unlocked vault. */
export interface VaultAccess {
	/** The unlocked vault (keys and index); VaultLockedError when it is locked. */
	get(): Promise<import('../vault/deps').OpenVault>;
	/**
	 * Hands back the vault after records were added, so the record list shows them.
	 * `addedIds`: the records this tab added (they go to active grantees); records
	 * merged in from another device were sent by that device.
	 */
	replace(vault: import('../vault/deps').OpenVault, addedIds?: readonly string[]): Promise<void>;
}

/** Access to the vault VaultState holds: the inbox and provider pages work on the same keys and index. */
export function vaultAccessOf(state: import('./vault.svelte').VaultState): VaultAccess {
	return {
		async get() {
			if (!state.current) throw new VaultLockedError();
			return state.current;
		},
		async replace(vault, addedIds) {
			await state.adoptAndShare(vault, addedIds);
		}
	};
}

/** The patient's and the grantee's sharing adapters: the vault's, plus the Grants contract and provider profiles. */
export async function makeSharingDeps(
	config: AppConfig,
	wallet: WalletSession,
	onScanProgress?: OnScanProgress
): Promise<import('../vault/sharing/deps').SharingDeps & { providers: import('../vault/providerPorts').ProviderChain }> {
	const [deps, providers, clients, { createGrantChain }] = await Promise.all([
		makeVaultDeps(config, wallet),
		makeProviderChain(config, wallet, onScanProgress),
		contractClients(config, wallet, onScanProgress),
		import('../chain/grantChain')
	]);
	return { ...deps, grants: createGrantChain(clients), providers };
}

/**
 * What a share link's viewer needs: read-only chain access and IPFS. No wallet:
 * the doctor with a link may have none.
 */
export async function makeLinkDeps(config: AppConfig, onScanProgress?: OnScanProgress): Promise<{ blobs: import('../vault/ports').BlobStore; grants: import('../vault/grantPorts').GrantChain }> {
	const [{ createGrantChain }, { createPublicClient, http }, node] = await Promise.all([
		import('../chain/grantChain'),
		import('viem'),
		browserIpfs(config)
	]);
	const grants = createGrantChain({
		publicClient: createPublicClient({ transport: http(config.rpcUrl) }),
		addresses: config.contracts,
		chainId: config.chainId,
		fromBlock: BigInt(config.deployBlock),
		logScan: { blockRange: config.logBlockRange, onProgress: onScanProgress }
	});
	return { blobs: node.blobStore, grants };
}

/** The trust settings' adapters: this device's store, provider profiles, and EAS (when the site names it). */
export async function makeTrustDeps(config: AppConfig, wallet: WalletSession): Promise<import('../vault/providers/identify').IdentifyDeps & { local: import('../vault/ports').LocalStore }> {
	const [providers, { createAttestationReader }, { createPublicClient, http }] = await Promise.all([
		makeProviderChain(config, wallet),
		import('../chain/attestationChain'),
		import('viem')
	]);
	const attestations = config.contracts.eas
		? createAttestationReader({
				publicClient: createPublicClient({ transport: http(config.rpcUrl) }),
				addresses: config.contracts,
				chainId: config.chainId,
				fromBlock: BigInt(config.deployBlock),
				logBlockRange: config.logBlockRange
			})
		: undefined;
	return { local: createIdbLocalStore(), providers, ...(attestations ? { attestations } : {}) };
}

