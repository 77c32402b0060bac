// Deploys KeyRegistry, VaultRegistry, Proposals and Grants (both read KeyRegistry), then the
// Ethereum Attestation Service (SchemaRegistry + EAS, from its npm artifacts), then
// ResearchConsent (reads KeyRegistry) with viem. The ABI and bytecode come
// from compiling contracts/src in process (the same compiler run that writes
// src/lib/chain/contracts.generated.ts, which a test keeps in sync).
// `node scripts/deploy.mjs --rpc http://127.0.0.1:8545 [--private-key 0x..]`
// deploys (default: anvil account 0) and prints the addresses as JSON.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, encodePacked, getAddress, http, keccak256, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { artifact } from './solc-build.mjs';
import { ANVIL_PRIVATE_KEYS } from './anvil.mjs';

export class DeployError extends Error {
	name = 'DeployError';
}

/** The provider-identity schema every attester uses (EAS schema string). */
export const PROVIDER_SCHEMA = 'string name,string role,string licenceId';

const EAS_ARTIFACTS = new URL('../node_modules/@ethereum-attestation-service/eas-contracts/artifacts/contracts/', import.meta.url);

/**
 * ABI and bytecode of one of EAS's published contracts (the npm package ships
 * them compiled; we never build EAS ourselves).
 * @param {'EAS' | 'SchemaRegistry'} name
 * @returns {{ abi: import('viem').Abi, bytecode: `0x${string}`, deployedBytecode: `0x${string}` }}
 */
export function easArtifact(name) {
	const json = JSON.parse(readFileSync(new URL(`${name}.sol/${name}.json`, EAS_ARTIFACTS), 'utf8'));
	return { abi: json.abi, bytecode: json.bytecode, deployedBytecode: json.deployedBytecode };
}

/**
 * The UID EAS's SchemaRegistry gives a schema: keccak256(schema, resolver, revocable), packed.
 * @param {string} schema @param {`0x${string}`} resolver @param {boolean} revocable
 */
export function schemaUid(schema, resolver = zeroAddress, revocable = true) {
	return keccak256(encodePacked(['string', 'address', 'bool'], [schema, resolver, revocable]));
}

/**
 * Provider profiles live in KeyRegistry (`registerProvider`), so there is no
 * separate provider registry address. Deployment order is fixed (new contracts
 * go last): on a fresh anvil the addresses are always the same. The Ethereum
 * Attestation Service (SchemaRegistry, then EAS) comes after ours, and the
 * provider-identity schema (no resolver, revocable) is registered in it.
 * @param {{ rpcUrl: string, privateKey: `0x${string}` }} options
 * @returns {Promise<{ chainId: number, keyRegistry: `0x${string}`, vaultRegistry: `0x${string}`, proposals: `0x${string}`, grants: `0x${string}`, schemaRegistry: `0x${string}`, eas: `0x${string}`, providerSchemaUid: `0x${string}`, researchConsent: `0x${string}`, emergencyAccess: `0x${string}`, deployBlock: number }>}
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
	const constructorArgs = {
		KeyRegistry: () => [],
		VaultRegistry: () => [],
		Proposals: () => [deployed.KeyRegistry],
		Grants: () => [deployed.KeyRegistry],
		SchemaRegistry: () => [],
		EAS: () => [deployed.SchemaRegistry],
		ResearchConsent: () => [deployed.KeyRegistry],
		EmergencyAccess: () => [deployed.KeyRegistry]
	};
	for (const name of ['KeyRegistry', 'VaultRegistry', 'Proposals', 'Grants', 'SchemaRegistry', 'EAS', 'ResearchConsent', 'EmergencyAccess']) {
		const { abi, bytecode } = name === 'SchemaRegistry' || name === 'EAS' ? easArtifact(name) : artifact(name);
		const hash = await walletClient.deployContract({ abi, bytecode, args: constructorArgs[name]() });
		const receipt = await publicClient.waitForTransactionReceipt({ hash });
		if (receipt.status !== 'success' || !receipt.contractAddress) throw new DeployError(`deploying ${name} failed (tx ${hash})`);
		deployed[name] = getAddress(receipt.contractAddress);
		deployBlock = Math.min(deployBlock, Number(receipt.blockNumber));
	}
	const registry = easArtifact('SchemaRegistry');
	const hash = await walletClient.writeContract({
		address: deployed.SchemaRegistry,
		abi: registry.abi,
		functionName: 'register',
		args: [PROVIDER_SCHEMA, zeroAddress, true]
	});
	const receipt = await publicClient.waitForTransactionReceipt({ hash });
	if (receipt.status !== 'success') throw new DeployError(`registering the provider schema failed (tx ${hash})`);
	return {
		chainId,
		keyRegistry: deployed.KeyRegistry,
		vaultRegistry: deployed.VaultRegistry,
		proposals: deployed.Proposals,
		grants: deployed.Grants,
		schemaRegistry: deployed.SchemaRegistry,
		eas: deployed.EAS,
		providerSchemaUid: schemaUid(PROVIDER_SCHEMA),
		researchConsent: deployed.ResearchConsent,
		emergencyAccess: deployed.EmergencyAccess,
		deployBlock
	};
}

/**
 * The site config's `contracts` from a deployment: every address the app reads.
 * @param {Awaited<ReturnType<typeof deployContracts>>} deployed
 */
export function contractsOf(deployed) {
	const { keyRegistry, vaultRegistry, proposals, grants, eas, schemaRegistry, researchConsent, emergencyAccess } = deployed;
	return { keyRegistry, vaultRegistry, proposals, grants, eas, schemaRegistry, researchConsent, emergencyAccess };
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
