// Deploys KeyRegistry, VaultRegistry, Proposals and Grants (both read KeyRegistry) with viem. The ABI and bytecode come
// from compiling contracts/src in process (the same compiler run that writes
// src/lib/chain/contracts.generated.ts, which a test keeps in sync).
// `node scripts/deploy.mjs --rpc http://127.0.0.1:8545 [--private-key 0x..]`
// deploys (default: anvil account 0) and prints the addresses as JSON.
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, getAddress, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { artifact } from './solc-build.mjs';
import { ANVIL_PRIVATE_KEYS } from './anvil.mjs';

export class DeployError extends Error {
	name = 'DeployError';
}

/**
 * Provider profiles live in KeyRegistry (`registerProvider`), so there is no
 * separate provider registry address. Deployment order is fixed (new contracts
 * go last): on a fresh anvil the addresses are always the same.
 * @param {{ rpcUrl: string, privateKey: `0x${string}` }} options
 * @returns {Promise<{ chainId: number, keyRegistry: `0x${string}`, vaultRegistry: `0x${string}`, proposals: `0x${string}`, grants: `0x${string}`, deployBlock: number }>}
 */
export async function deployContracts({ rpcUrl, privateKey }) {
	const account = privateKeyToAccount(privateKey);
	const transport = http(rpcUrl, { retryCount: 0 });
	const publicClient = createPublicClient({ transport });
	const chainId = await publicClient.getChainId();
	const chain = { id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
	const walletClient = createWalletClient({ account, chain, transport });

	/** @type {Record<string, `0x${string}`>} */
	const deployed = {};
	let deployBlock = Number.MAX_SAFE_INTEGER;
	/** @type {Record<string, () => unknown[]>} */
	const constructorArgs = { KeyRegistry: () => [], VaultRegistry: () => [], Proposals: () => [deployed.KeyRegistry], Grants: () => [deployed.KeyRegistry] };
	for (const name of ['KeyRegistry', 'VaultRegistry', 'Proposals', 'Grants']) {
		const { abi, bytecode } = artifact(name);
		const hash = await walletClient.deployContract({ abi, bytecode, args: constructorArgs[name]() });
		const receipt = await publicClient.waitForTransactionReceipt({ hash });
		if (receipt.status !== 'success' || !receipt.contractAddress) throw new DeployError(`deploying ${name} failed (tx ${hash})`);
		deployed[name] = getAddress(receipt.contractAddress);
		deployBlock = Math.min(deployBlock, Number(receipt.blockNumber));
	}
	return { chainId, keyRegistry: deployed.KeyRegistry, vaultRegistry: deployed.VaultRegistry, proposals: deployed.Proposals, grants: deployed.Grants, deployBlock };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	/** @param {string} flag */
	const arg = (flag) => {
		const i = process.argv.indexOf(flag);
		return i > 0 ? process.argv[i + 1] : undefined;
	};
	try {
		const result = await deployContracts({
			rpcUrl: arg('--rpc') ?? 'http://127.0.0.1:8545',
			privateKey: /** @type {`0x${string}`} */ (arg('--private-key') ?? ANVIL_PRIVATE_KEYS[0])
		});
		console.log(JSON.stringify(result, null, 2));
	} catch (err) {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	}
}
