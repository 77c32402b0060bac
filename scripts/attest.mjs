// `npm run attest -- --provider 0x.. --name "City Hospital Lab" --role lab --licence "NPI 123" [--rpc URL] [--config build/config.json] [--expires 2027-12-31] [--revoke 0xUID]`
// An attester vouches for a provider's identity with an Ethereum Attestation
// Service attestation (schema PROVIDER_SCHEMA) to the provider's address.
// The attester's key comes from ATTESTER_PRIVATE_KEY; on the local anvil chain
// it defaults to the demo attester (anvil account 9) that `npm start` trusts.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, decodeEventLog, encodeAbiParameters, getAddress, http, isAddress, zeroHash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_CHAIN_ID, ANVIL_PRIVATE_KEYS } from './anvil.mjs';
import { easArtifact } from './deploy.mjs';

export const DEMO_ATTESTER_PRIVATE_KEY = ANVIL_PRIVATE_KEYS[9];
/** Roles an attestation may name; the app shows them as given. */
export const ATTESTED_ROLES = ['physician', 'lab', 'pharmacy', 'insurer', 'other', 'researcher'];

export class AttestError extends Error {
	name = 'AttestError';
}

/** @param {string} rpcUrl @param {`0x${string}`} privateKey */
async function clients(rpcUrl, privateKey) {
	const transport = http(rpcUrl, { retryCount: 0 });
	const publicClient = createPublicClient({ transport });
	const id = await publicClient.getChainId();
	const chain = { id, name: `chain ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
	return { publicClient, walletClient: createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport }) };
}

/**
 * Attests that `provider` is `name` (`role`, licence `licence`). Resolves with the attestation UID.
 * @param {{ rpcUrl: string, privateKey: `0x${string}`, eas: `0x${string}`, schemaUid: `0x${string}`, provider: string, name: string, role: string, licence: string, expiresAt?: number }} p
 * @returns {Promise<`0x${string}`>}
 */
export async function attestProvider(p) {
	if (!isAddress(p.provider)) throw new AttestError(`--provider must be a 0x address, got ${JSON.stringify(p.provider)}`);
	if (!p.name?.trim()) throw new AttestError('--name is required (the provider’s legal or practice name)');
	if (!ATTESTED_ROLES.includes(p.role)) throw new AttestError(`--role must be one of ${ATTESTED_ROLES.join(', ')}, got ${JSON.stringify(p.role)}`);
	if (!p.licence?.trim()) throw new AttestError('--licence is required (the licence or registry id you checked)');
	const { publicClient, walletClient } = await clients(p.rpcUrl, p.privateKey);
	const { abi } = easArtifact('EAS');
	const data = encodeAbiParameters(
		[{ type: 'string' }, { type: 'string' }, { type: 'string' }],
		[p.name.trim(), p.role, p.licence.trim()]
	);
	const hash = await walletClient.writeContract({
		address: p.eas,
		abi,
		functionName: 'attest',
		args: [{ schema: p.schemaUid, data: { recipient: getAddress(p.provider), expirationTime: BigInt(p.expiresAt ?? 0), revocable: true, refUID: zeroHash, data, value: 0n } }]
	});
	const receipt = await publicClient.waitForTransactionReceipt({ hash });
	if (receipt.status !== 'success') throw new AttestError(`the attestation transaction failed (tx ${hash})`);
	for (const log of receipt.logs) {
		try {
			const event = decodeEventLog({ abi, data: log.data, topics: log.topics });
			if (event.eventName === 'Attested') return /** @type {{ uid: `0x${string}` }} */ (/** @type {unknown} */ (event.args)).uid;
		} catch {
			// Not an EAS event.
		}
	}
	throw new AttestError(`the transaction ${hash} emitted no Attested event`);
}

/**
 * Revokes attestation `uid` (only its attester can).
 * @param {{ rpcUrl: string, privateKey: `0x${string}`, eas: `0x${string}`, schemaUid: `0x${string}`, uid: `0x${string}` }} p
 */
export async function revokeAttestation(p) {
	const { publicClient, walletClient } = await clients(p.rpcUrl, p.privateKey);
	const hash = await walletClient.writeContract({
		address: p.eas,
		abi: easArtifact('EAS').abi,
		functionName: 'revoke',
		args: [{ schema: p.schemaUid, data: { uid: p.uid, value: 0n } }]
	});
	const receipt = await publicClient.waitForTransactionReceipt({ hash });
	if (receipt.status !== 'success') throw new AttestError(`the revocation transaction failed (tx ${hash})`);
	return hash;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	/** @param {string} flag */
	const arg = (flag) => {
		const i = process.argv.indexOf(flag);
		return i > 0 ? process.argv[i + 1] : undefined;
	};
	try {
		const configPath = arg('--config') ?? fileURLToPath(new URL('../build/config.json', import.meta.url));
		if (!existsSync(configPath)) throw new AttestError(`${configPath} is missing: run npm start first, or pass --config`);
		const config = JSON.parse(readFileSync(configPath, 'utf8'));
		const rpcUrl = arg('--rpc') ?? config.rpcUrl;
		if (!config.contracts?.eas || !config.providerSchemaUid) throw new AttestError(`${configPath} names no EAS contract or provider schema`);
		let privateKey = process.env.ATTESTER_PRIVATE_KEY;
		if (!privateKey) {
			if (config.chainId !== ANVIL_CHAIN_ID) throw new AttestError('set ATTESTER_PRIVATE_KEY (the demo attester key only exists on the local anvil chain)');
			privateKey = DEMO_ATTESTER_PRIVATE_KEY;
		}
		const common = { rpcUrl, privateKey: /** @type {`0x${string}`} */ (privateKey), eas: config.contracts.eas, schemaUid: config.providerSchemaUid };
		const revoke = arg('--revoke');
		if (revoke) {
			await revokeAttestation({ ...common, uid: /** @type {`0x${string}`} */ (revoke) });
			console.log(`Revoked attestation ${revoke}.`);
		} else {
			const expires = arg('--expires');
			const expiresAt = expires ? Math.floor(Date.parse(expires) / 1000) : 0;
			if (Number.isNaN(expiresAt)) throw new AttestError(`--expires must be a date (YYYY-MM-DD), got ${JSON.stringify(expires)}`);
			const uid = await attestProvider({
				...common,
				provider: arg('--provider') ?? '',
				name: arg('--name') ?? '',
				role: arg('--role') ?? '',
				licence: arg('--licence') ?? '',
				expiresAt
			});
			console.log(`Attested ${arg('--provider')} as ${JSON.stringify(arg('--name'))} (${arg('--role')}, ${arg('--licence')}) from ${privateKeyToAccount(common.privateKey).address}.\nAttestation UID ${uid}\nRevoke it with: npm run attest -- --revoke ${uid}`);
		}
	} catch (err) {
		console.error(`npm run attest: ${err instanceof Error ? err.message : err}`);
		process.exit(1);
	}
}
