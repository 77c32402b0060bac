// `npm run deploy -- --rpc <url> --chain-id <id> [options]`: deploys Carevault's contracts (and the
// Ethereum Attestation Service) to any EVM chain, checks the code the chain now holds against the
// compiled contracts, and writes the network config the site needs (networks/<name>.json by
// default). The deployer's key comes from the environment (CAREVAULT_DEPLOYER_KEY), never from a
// file or the command line, where it would land in a shell history.
//
// Options:
//   --name <text>              chain name shown to people (default: "chain <id>")
//   --out <file>               where the network config goes (default: networks/<chain-id>.json)
//   --ipfs-peer <multiaddr>    an IPFS peer browsers dial (WebSockets); repeatable
//   --gateway <url>            a trustless gateway blocks may come from; repeatable
//   --pinning-endpoint <url>   an IPFS Pinning Service API endpoint offered for remote copies
//   --app-domain <host>        the site's stable name, bound into the unlock message (required)
//   --app-uri <url>            where the site is opened (default https://<app-domain>/)
//   --attester <address>       an attester of provider identities the site trusts; repeatable
//   --log-block-range <n>      blocks per log query (public RPCs cap it; default 10000)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicClient, getAddress, http, isAddress, isHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DeployError, PROVIDER_SCHEMA, contractsOf, deployContracts, easArtifact } from './deploy.mjs';
import { artifact } from './solc-build.mjs';

export const KEY_VARIABLE = 'CAREVAULT_DEPLOYER_KEY';

export class DeployUsageError extends Error {
	name = 'DeployUsageError';
}

/**
 * @param {string[]} argv
 * @returns {{ rpc: string, chainId: number, name?: string, out?: string, ipfsPeers: string[], gateways: string[], pinningEndpoint?: string, appDomain: string, appUri?: string, attesters: string[], logBlockRange?: number }}
 */
export function parseDeployArgs(argv) {
	/** @type {Record<string, string[]>} */
	const values = {};
	for (let i = 0; i < argv.length; i++) {
		const flag = argv[i];
		if (!flag.startsWith('--')) throw new DeployUsageError(`unexpected argument ${JSON.stringify(flag)}`);
		const value = argv[i + 1];
		if (value === undefined || value.startsWith('--')) throw new DeployUsageError(`${flag} needs a value`);
		(values[flag.slice(2)] ??= []).push(value);
		i++;
	}
	const known = ['rpc', 'chain-id', 'name', 'out', 'ipfs-peer', 'gateway', 'pinning-endpoint', 'app-domain', 'app-uri', 'attester', 'log-block-range'];
	for (const flag of Object.keys(values)) if (!known.includes(flag)) throw new DeployUsageError(`unknown option --${flag}`);
	const one = (/** @type {string} */ flag) => values[flag]?.at(-1);
	const rpc = one('rpc');
	if (!rpc || !/^https?:\/\//.test(rpc)) throw new DeployUsageError('--rpc <http(s) url> is required');
	const chainId = Number(one('chain-id'));
	if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new DeployUsageError('--chain-id <positive integer> is required: it guards against deploying to the wrong chain');
	const appDomain = one('app-domain');
	if (!appDomain || !/^[a-z0-9.-]+(:\d+)?$/i.test(appDomain)) throw new DeployUsageError('--app-domain <host> is required (the name the site is served under, e.g. carevault.example)');
	const attesters = values.attester ?? [];
	for (const a of attesters) if (!isAddress(a)) throw new DeployUsageError(`--attester ${a} is not an address`);
	const range = one('log-block-range');
	return {
		rpc,
		chainId,
		name: one('name'),
		out: one('out'),
		ipfsPeers: values['ipfs-peer'] ?? [],
		gateways: values.gateway ?? [],
		pinningEndpoint: one('pinning-endpoint'),
		appDomain,
		appUri: one('app-uri'),
		attesters,
		...(range ? { logBlockRange: Number(range) } : {})
	};
}

/** The deployer's key from the environment; refuses anything but a 32-byte hex key. */
export function deployerKey(env = process.env) {
	const key = env[KEY_VARIABLE]?.trim();
	if (!key) throw new DeployUsageError(`set ${KEY_VARIABLE} to the deployer's private key (0x + 64 hex digits) in the environment`);
	if (!isHex(key) || key.length !== 66) throw new DeployUsageError(`${KEY_VARIABLE} is not a private key (0x + 64 hex digits)`);
	return /** @type {`0x${string}`} */ (key);
}

/**
 * Whether `onChain` is `expected` with the constructor's immutables filled in: every byte equal,
 * except inside the immutable ranges.
 * @param {string} onChain @param {string} expected @param {Array<{ start: number, length: number }>} immutables
 */
export function codeMatches(onChain, expected, immutables) {
	const a = onChain.toLowerCase().replace(/^0x/, '');
	const b = expected.toLowerCase().replace(/^0x/, '');
	if (a.length !== b.length || a.length === 0) return false;
	const masked = new Uint8Array(b.length / 2);
	for (const { start, length } of immutables) masked.fill(1, start, start + length);
	for (let i = 0; i < masked.length; i++) if (!masked[i] && a.slice(2 * i, 2 * i + 2) !== b.slice(2 * i, 2 * i + 2)) return false;
	return true;
}

/**
 * Hardhat artifacts (EAS's) do not list immutables; their deployed code has zeros there. Every
 * run of 32 or more zero bytes counts as one.
 * @param {string} code
 */
function zeroRuns(code) {
	const hex = code.replace(/^0x/, '');
	/** @type {Array<{ start: number, length: number }>} */
	const runs = [];
	for (const m of hex.matchAll(/(?:00){32,}/g)) if (m.index % 2 === 0) runs.push({ start: m.index / 2, length: m[0].length / 2 });
	return runs;
}

/**
 * Checks what the chain holds at each address: our contracts byte for byte against this
 * compiler run (immutables aside), EAS against its published artifacts, and that EAS points at
 * the deployed SchemaRegistry, which holds the provider schema. Throws DeployError naming the
 * first contract that does not match.
 * @param {import('viem').PublicClient} publicClient
 * @param {{ keyRegistry: `0x${string}`, vaultRegistry: `0x${string}`, proposals: `0x${string}`, grants: `0x${string}`, schemaRegistry: `0x${string}`, eas: `0x${string}`, providerSchemaUid: `0x${string}`, researchConsent: `0x${string}`, emergencyAccess: `0x${string}` }} deployed
 */
export async function verifyDeployment(publicClient, deployed) {
	const ours = /** @type {const} */ ([['KeyRegistry', deployed.keyRegistry], ['VaultRegistry', deployed.vaultRegistry], ['Proposals', deployed.proposals], ['Grants', deployed.grants], ['ResearchConsent', deployed.researchConsent], ['EmergencyAccess', deployed.emergencyAccess]]);
	for (const [name, address] of ours) {
		const code = (await publicClient.getCode({ address })) ?? '0x';
		const { deployedBytecode, immutables } = artifact(name);
		if (!codeMatches(code, deployedBytecode, immutables)) throw new DeployError(`${name} at ${address}: the code on the chain is not the compiled ${name}`);
	}
	for (const [name, address] of /** @type {const} */ ([['SchemaRegistry', deployed.schemaRegistry], ['EAS', deployed.eas]])) {
		const code = (await publicClient.getCode({ address })) ?? '0x';
		const expected = easArtifact(name).deployedBytecode;
		if (!codeMatches(code, expected, zeroRuns(expected))) throw new DeployError(`${name} at ${address}: the code on the chain is not EAS's published ${name}`);
	}
	const registry = await publicClient.readContract({ address: deployed.eas, abi: easArtifact('EAS').abi, functionName: 'getSchemaRegistry' });
	if (getAddress(/** @type {string} */ (registry)) !== getAddress(deployed.schemaRegistry)) throw new DeployError(`EAS at ${deployed.eas} does not use the deployed SchemaRegistry`);
	const schema = /** @type {{ schema: string }} */ (
		await publicClient.readContract({ address: deployed.schemaRegistry, abi: easArtifact('SchemaRegistry').abi, functionName: 'getSchema', args: [deployed.providerSchemaUid] })
	);
	if (schema.schema !== PROVIDER_SCHEMA) throw new DeployError(`the provider-identity schema is not registered in ${deployed.schemaRegistry}`);
}

/**
 * Deploys, verifies, and returns the site's network config (the AppConfig of src/lib/config.ts).
 * @param {ReturnType<typeof parseDeployArgs>} args @param {`0x${string}`} privateKey
 * @param {(line: string) => void} [log]
 */
export async function deployNetwork(args, privateKey, log = () => {}) {
	const publicClient = createPublicClient({ transport: http(args.rpc, { retryCount: 3 }) });
	let chainId;
	try {
		chainId = await publicClient.getChainId();
	} catch (err) {
		throw new DeployError(`the RPC at ${args.rpc} does not answer (${err instanceof Error ? err.message.split('\n')[0] : err})`);
	}
	if (chainId !== args.chainId) throw new DeployError(`the RPC at ${args.rpc} serves chain ${chainId}, not ${args.chainId}: nothing was deployed`);
	const deployer = privateKeyToAccount(privateKey).address;
	const balance = await publicClient.getBalance({ address: deployer });
	if (balance === 0n) throw new DeployError(`the deployer ${deployer} has no funds on chain ${chainId}: fund it first`);
	log(`Deploying from ${deployer} to chain ${chainId}…`);
	const deployed = await deployContracts({ rpcUrl: args.rpc, privateKey });
	log('Checking the deployed code…');
	await verifyDeployment(publicClient, deployed);
	return {
		chainId,
		chainName: args.name ?? `chain ${chainId}`,
		rpcUrl: args.rpc,
		contracts: contractsOf(deployed),
		deployBlock: deployed.deployBlock,
		ipfsPeers: args.ipfsPeers,
		appDomain: args.appDomain,
		...(args.appUri ? { appUri: args.appUri } : {}),
		providerSchemaUid: deployed.providerSchemaUid,
		trustedAttesters: args.attesters.map((a) => getAddress(a)),
		...(args.logBlockRange ? { logBlockRange: args.logBlockRange } : {}),
		gateways: args.gateways,
		pinning: args.pinningEndpoint ? { endpoint: args.pinningEndpoint } : null
	};
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	try {
		const args = parseDeployArgs(process.argv.slice(2));
		const config = await deployNetwork(args, deployerKey(), (line) => console.error(line));
		const out = resolve(args.out ?? `networks/${config.chainId}.json`);
		mkdirSync(dirname(out), { recursive: true });
		writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
		console.error(`Deployed and verified. Network config written to ${out}.`);
		console.error(`Next: npm run build && node scripts/configure-site.mjs ${out}, then publish build/.`);
		console.log(JSON.stringify(config));
	} catch (err) {
		console.error(`${err instanceof Error ? err.name : 'Error'}: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(1);
	}
}
