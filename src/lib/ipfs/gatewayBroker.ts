import type { BlockBroker, BlockRetrievalOptions } from 'helia';
import { CID } from 'multiformats/cid';
import type { SourceAttempt } from '../errors';
import { readAtMost } from '../crypto/encoding';

/**
 * A Helia block broker that asks trustless gateways
 * (https://specs.ipfs.tech/http-gateways/trustless-gateway/) for single raw
 * blocks: `GET <gateway>/ipfs/<cid>?format=raw`.
 *
 * Why not @helia/trustless-gateway-client: its broker finds gateways through
 * Helia routing and, when every gateway fails, throws one AggregateError of
 * free-text messages; the page must instead name which gateway failed and how
 * ("unreachable", "does not have it", "sent a block that does not match its
 * CID"). This broker keeps that outcome per gateway. It does no hashing of its
 * own: Helia passes `validateFn` (the CID's hash check) to every broker and
 * checks again itself if a broker did not call it, so no unverified byte is
 * ever stored or returned; a gateway whose block fails the check is skipped
 * for the next one.
 */
export interface GatewayBroker extends BlockBroker {
	/**
	 * What each gateway (configured order) answered for `cid`, for error messages.
	 * When `cid` itself was not asked for (the root was here, a block under it was
	 * not), each gateway's latest failure, if any.
	 */
	attempts(cid?: string): SourceAttempt[];
}

/** Outcomes kept for this many recent CIDs: enough for every read in flight. */
const REMEMBERED_CIDS = 512;

export interface GatewayBrokerOptions {
	/** How long one gateway may take to answer one block. @default 15_000 */
	requestTimeoutMs?: number;
	/** Largest block accepted (bitswap's limit; our leaves are 1 MiB). @default 2 MiB */
	maxBlockBytes?: number;
	fetch?: typeof globalThis.fetch;
}

/** `https://gw.example/ipfs/` and `https://gw.example` both mean the gateway at https://gw.example. */
export function gatewayBase(url: string): string {
	return url.replace(/\/+$/, '').replace(/\/ipfs$/, '');
}

export function gatewayBroker(gateways: readonly string[], options: GatewayBrokerOptions = {}): GatewayBroker {
	const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
	const maxBlockBytes = options.maxBlockBytes ?? 2 * 1024 * 1024;
	const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
	const bases = [...new Set(gateways.map(gatewayBase))];
	// Per CID, per gateway; a Map keeps insertion order, so the oldest CID is dropped first.
	const outcomes = new Map<string, Map<string, string>>();
	const lastFailure = new Map<string, string>();
	const record = (cid: CID, base: string, result: string) => {
		const key = cid.toString();
		let byGateway = outcomes.get(key);
		if (!byGateway) {
			byGateway = new Map();
			outcomes.set(key, byGateway);
			if (outcomes.size > REMEMBERED_CIDS) outcomes.delete(outcomes.keys().next().value as string);
		}
		byGateway.set(base, result);
		if (result !== 'answered') lastFailure.set(base, result);
	};

	async function fromGateway(base: string, cid: CID, opts: BlockRetrievalOptions): Promise<Uint8Array> {
		const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(requestTimeoutMs)]) : AbortSignal.timeout(requestTimeoutMs);
		let response: Response;
		try {
			response = await doFetch(`${base}/ipfs/${cid.toString()}?format=raw`, {
				headers: { Accept: 'application/vnd.ipld.raw' },
				credentials: 'omit',
				referrerPolicy: 'no-referrer',
				signal
			});
		} catch (err) {
			throw new Outcome(signal.aborted && !opts.signal?.aborted ? 'did not answer in time' : 'unreachable', err);
		}
		if (response.status === 404 || response.status === 410) {
			await response.body?.cancel().catch(() => {});
			throw new Outcome('does not have it');
		}
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw new Outcome(`answered HTTP ${response.status}`);
		}
		const block = await readLimited(response, Math.min(maxBlockBytes, opts.maxSize ?? Infinity)).catch((err: unknown) => {
			throw err instanceof Outcome ? err : new Outcome(signal.aborted && !opts.signal?.aborted ? 'did not answer in time' : 'broke off the answer', err);
		});
		try {
			await opts.validateFn?.(block);
		} catch (err) {
			throw new Outcome('sent a block that does not match its CID', err);
		}
		return block;
	}

	return {
		name: 'carevault-trustless-gateway',
		attempts: (cid) => {
			const forCid = cid === undefined ? undefined : outcomes.get(normalise(cid));
			return bases.map((base) => ({
				source: `the gateway ${base}`,
				result: forCid?.get(base) ?? lastFailure.get(base) ?? (forCid || outcomes.size > 0 ? 'answered' : 'not asked')
			}));
		},
		async retrieve(cid: CID, opts: BlockRetrievalOptions = {}): Promise<Uint8Array> {
			const failures: unknown[] = [];
			for (const base of bases) {
				opts.signal?.throwIfAborted();
				try {
					const block = await fromGateway(base, cid, opts);
					record(cid, base, 'answered');
					return block;
				} catch (err) {
					opts.signal?.throwIfAborted();
					record(cid, base, err instanceof Outcome ? err.message : 'failed');
					failures.push(err);
				}
			}
			throw new AggregateError(failures, bases.length === 0 ? 'no gateway is configured' : `no gateway sent ${cid}`);
		}
	};
}

/** Why one gateway did not deliver, in words for the patient. */
class Outcome extends Error {
	override name = 'GatewayOutcome';
	constructor(message: string, cause?: unknown) {
		super(message, { cause });
	}
}

async function readLimited(response: Response, limit: number): Promise<Uint8Array> {
	const bytes = await readAtMost(response, limit);
	if (!bytes) throw new Outcome(`sent a block larger than ${limit} bytes`);
	return bytes;
}

function normalise(cid: string): string {
	try {
		return CID.parse(cid).toString();
	} catch {
		return cid;
	}
}
