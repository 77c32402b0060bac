import { isAddress } from './types';
import { CarevaultError } from './errors';

export type Address = `0x${string}`;

/** What the static site needs to know about the chain and IPFS; `config.json` beside index.html. */
export interface AppConfig {
	chainId: number;
	chainName: string;
	rpcUrl: string;
	contracts: {
		keyRegistry: Address;
		vaultRegistry: Address;
		proposals: Address;
		grants: Address;
		/** Ethereum Attestation Service on this chain; absent: no provider can be shown as verified. */
		eas?: Address;
		schemaRegistry?: Address;
		/** Research studies and consents; absent: the Research pages say research is not offered here. */
		researchConsent?: Address;
		/** EmergencyAccess (break-glass); absent: the emergency pages say the site offers none. */
		emergencyAccess?: Address;
	};
	deployBlock: number;
	ipfsPeers: string[];
	/**
	 * The site's stable name (its DNSLink or ENS name, e.g. `carevault.example`). The wallet
	 * unlock message is bound to it, never to `location.host`: a gateway or a new release
	 * changes the host, and a vault bound to a host could never be unlocked again.
	 */
	appDomain: string;
	/** Where the site is meant to be opened, e.g. `https://carevault.example/`. */
	appUri: string;
	/** EAS schema UID of provider identity attestations (name, role, licence id); null without EAS. */
	providerSchemaUid: `0x${string}` | null;
	/** Attesters whose provider attestations this site trusts (a patient can add or remove their own). */
	trustedAttesters: Address[];
	/** Largest block range asked of the RPC in one eth_getLogs call (public RPCs cap it). */
	logBlockRange: number;
	/** HTTP IPFS gateways the site may fetch from (trustless gateway URLs); may be empty. */
	gateways: string[];
	/**
	 * An IPFS Pinning Service API endpoint the site suggests for remote copies (the
	 * local peer's in development), or null. Never its access token: the config is public.
	 */
	pinning: { endpoint: string } | null;
}

export class ConfigMissingError extends CarevaultError {
	override name = 'ConfigMissingError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super(
			'This Carevault site has no chain configuration (config.json). If you run it locally, start it with npm start.',
			options
		);
	}
}

export class ConfigInvalidError extends CarevaultError {
	override name = 'ConfigInvalidError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This Carevault site's chain configuration (config.json) is broken: ${problem}. Ask whoever runs this site to fix it.`, options);
	}
}

// Relative on purpose: the site may live under /ipfs/<cid>/, so config.json sits beside index.html.
export const CONFIG_PATH = './config.json';

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** Fetches and checks `./config.json`. Throws ConfigMissingError or ConfigInvalidError. */
export async function loadConfig(fetchFn: FetchFn = (input, init) => fetch(input, init)): Promise<AppConfig> {
	let response: Response;
	try {
		response = await fetchFn(CONFIG_PATH, { cache: 'no-store' });
	} catch (cause) {
		throw new ConfigMissingError({ cause });
	}
	if (!response.ok) throw new ConfigMissingError({ details: `GET ${CONFIG_PATH}: HTTP ${response.status}` });
	let raw: unknown;
	try {
		raw = await response.json();
	} catch (cause) {
		throw new ConfigInvalidError('it is not JSON', { cause });
	}
	return parseConfig(raw);
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
// A DNS name of at least two labels (no scheme, no port, no path).
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const DEFAULT_LOG_BLOCK_RANGE = 10_000;

/** Checks a parsed config object field by field; the message names the first bad field. */
export function parseConfig(raw: unknown): AppConfig {
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigInvalidError('expected a JSON object');
	const o = raw as Record<string, unknown>;
	const chainId = o.chainId;
	if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0)
		throw new ConfigInvalidError(`chainId must be a positive integer, got ${JSON.stringify(chainId)}`);
	if (typeof o.chainName !== 'string' || o.chainName.trim() === '')
		throw new ConfigInvalidError('chainName must be a non-empty string');
	if (typeof o.rpcUrl !== 'string' || !/^(https?|wss?):\/\//.test(o.rpcUrl))
		throw new ConfigInvalidError(`rpcUrl must be an http(s) or ws(s) URL, got ${JSON.stringify(o.rpcUrl)}`);
	const contracts = o.contracts as Record<string, unknown> | undefined;
	if (!contracts || typeof contracts !== 'object') throw new ConfigInvalidError('contracts is missing');
	for (const key of ['keyRegistry', 'vaultRegistry', 'proposals', 'grants'] as const) {
		const value = contracts[key];
		if (!isAddress(value))
			throw new ConfigInvalidError(`contracts.${key} must be a 0x address of 20 bytes, got ${JSON.stringify(value)}`);
	}
	for (const key of ['eas', 'schemaRegistry', 'researchConsent', 'emergencyAccess'] as const) {
		const value = contracts[key];
		if (value !== undefined && !isAddress(value))
			throw new ConfigInvalidError(`contracts.${key} must be a 0x address of 20 bytes when set, got ${JSON.stringify(value)}`);
	}
	const appDomain = o.appDomain;
	if (typeof appDomain !== 'string' || !DOMAIN.test(appDomain))
		throw new ConfigInvalidError(`appDomain must be the site's stable DNS name (e.g. carevault.example), got ${JSON.stringify(appDomain)}`);
	const appUri = o.appUri ?? `https://${appDomain}/`;
	if (typeof appUri !== 'string' || !/^https?:\/\/[^\s]+$/.test(appUri))
		throw new ConfigInvalidError(`appUri must be an http(s) URL, got ${JSON.stringify(appUri)}`);
	const providerSchemaUid = o.providerSchemaUid ?? null;
	if (providerSchemaUid !== null && (typeof providerSchemaUid !== 'string' || !BYTES32.test(providerSchemaUid)))
		throw new ConfigInvalidError(`providerSchemaUid must be a 32-byte 0x hex string or null, got ${JSON.stringify(providerSchemaUid)}`);
	const trustedAttesters = o.trustedAttesters ?? [];
	if (!Array.isArray(trustedAttesters) || !trustedAttesters.every(isAddress))
		throw new ConfigInvalidError('trustedAttesters must be a list of 0x addresses');
	const logBlockRange = o.logBlockRange ?? DEFAULT_LOG_BLOCK_RANGE;
	if (typeof logBlockRange !== 'number' || !Number.isSafeInteger(logBlockRange) || logBlockRange < 1)
		throw new ConfigInvalidError(`logBlockRange must be a positive integer, got ${JSON.stringify(logBlockRange)}`);
	const gateways = o.gateways ?? [];
	if (!Array.isArray(gateways) || !gateways.every((g) => typeof g === 'string' && /^https?:\/\/[^\s]+$/.test(g)))
		throw new ConfigInvalidError('gateways must be a list of http(s) URLs');
	const pinning = o.pinning ?? null;
	if (pinning !== null) {
		const p = pinning as Record<string, unknown>;
		if (typeof pinning !== 'object' || Array.isArray(pinning) || typeof p.endpoint !== 'string' || !/^https?:\/\/[^\s]+$/.test(p.endpoint))
			throw new ConfigInvalidError('pinning must be { "endpoint": "<http(s) URL>" } or null');
		if (Object.keys(p).some((k) => k !== 'endpoint'))
			throw new ConfigInvalidError('pinning may hold only "endpoint": an access token must never be in the public config');
	}
	const deployBlock = o.deployBlock ?? 0;
	if (typeof deployBlock !== 'number' || !Number.isSafeInteger(deployBlock) || deployBlock < 0)
		throw new ConfigInvalidError(`deployBlock must be a non-negative integer, got ${JSON.stringify(deployBlock)}`);
	const ipfsPeers = o.ipfsPeers ?? [];
	if (!Array.isArray(ipfsPeers) || !ipfsPeers.every((p) => typeof p === 'string' && p.startsWith('/')))
		throw new ConfigInvalidError('ipfsPeers must be a list of multiaddr strings');
	return {
		chainId,
		chainName: o.chainName,
		rpcUrl: o.rpcUrl,
		contracts: {
			keyRegistry: contracts.keyRegistry as Address,
			vaultRegistry: contracts.vaultRegistry as Address,
			proposals: contracts.proposals as Address,
			grants: contracts.grants as Address,
			...(contracts.eas ? { eas: contracts.eas as Address } : {}),
			...(contracts.schemaRegistry ? { schemaRegistry: contracts.schemaRegistry as Address } : {}),
			...(contracts.researchConsent ? { researchConsent: contracts.researchConsent as Address } : {}),
			...(contracts.emergencyAccess ? { emergencyAccess: contracts.emergencyAccess as Address } : {})
		},
		deployBlock,
		ipfsPeers: [...ipfsPeers] as string[],
		appDomain,
		appUri,
		providerSchemaUid: providerSchemaUid as `0x${string}` | null,
		trustedAttesters: [...trustedAttesters] as Address[],
		logBlockRange,
		gateways: [...gateways] as string[],
		pinning: pinning === null ? null : { endpoint: (pinning as { endpoint: string }).endpoint }
	};
}
