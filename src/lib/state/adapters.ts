import type { AppConfig } from '../config';
import type { WalletSession } from '../wallet/session.svelte';
import type { VaultDeps } from '../vault/deps';
import { WalletNotConnectedError } from '../wallet/errors';
import { createIdbLocalStore } from '../storage/idbLocalStore';

// Helia and the chain adapter are heavy: loaded on first use, once, never in the first paint.
let ipfsNode: Promise<Awaited<ReturnType<typeof import('../ipfs/node').startBrowserNode>>> | null = null;

export function browserIpfs(config: AppConfig) {
	ipfsNode ??= import('../ipfs/node').then(({ startBrowserNode }) => startBrowserNode({ peers: config.ipfsPeers }));
	return ipfsNode;
}

/** Wires the browser adapters (wallet, viem, Helia, IndexedDB) to the vault use cases. */
export async function makeVaultDeps(config: AppConfig, wallet: WalletSession): Promise<VaultDeps> {
	const walletClient = wallet.walletClient;
	const address = wallet.address;
	if (!walletClient || !address || wallet.chainId === null) throw new WalletNotConnectedError();
	const [{ createVaultChain }, { createPublicClient, http, verifyMessage }, node] = await Promise.all([
		import('../chain/vaultChain'),
		import('viem'),
		browserIpfs(config)
	]);
	const publicClient = createPublicClient({ transport: http(config.rpcUrl) });
	const chainId = wallet.chainId;
	return {
		signer: { address, chainId, signMessage: (message) => wallet.signMessage(message) },
		chain: createVaultChain({ publicClient, walletClient, account: address, addresses: config.contracts, chainId: config.chainId }),
		blobs: node.blobStore,
		local: createIdbLocalStore(),
		domain: location.host,
		verifySignature: (p) => verifyMessage(p)
	};
}
