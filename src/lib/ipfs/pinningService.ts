import { Configuration, RemotePinningServiceClient, Status, type PinStatus } from '@ipfs-shipyard/pinning-service-client';
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { PinningClient, RemoteCopy, RemoteCopyPort } from '../vault/remote/ports';
import {
	RemoteCopyFailedError,
	RemoteCopyTimeoutError,
	RemoteCopyTokenRefusedError,
	RemoteCopyUnreachableError
} from '../vault/remote/errors';

export interface PinningServiceOptions {
	/** This node's own multiaddrs, sent as `origins` (a browser has none it can be dialled on: then none are sent). */
	origins?: () => string[];
	/** Connects to the service's `delegates`, best effort, so it can fetch our blocks by bitswap. */
	connect?: (delegates: string[], signal: AbortSignal) => Promise<void>;
	/** Time between status checks while the service fetches. @default 500 */
	pollMs?: number;
	/** Longest a pin may stay queued or pinning. @default 1_800_000 (30 min: a 1 GiB record over a slow uplink) */
	timeoutMs?: number;
	fetch?: typeof fetch;
}

/**
 * A Pinning Service API client for one remote copy, with
 * @ipfs-shipyard/pinning-service-client (the client the spec's compliance
 * suite uses). A CID the service already holds, or is already fetching, is
 * not asked for again.
 */
export function pinningServiceClient(remote: Pick<RemoteCopy, 'endpoint' | 'token'>, options: PinningServiceOptions = {}): PinningClient {
	const api = new RemotePinningServiceClient(
		new Configuration({
			endpointUrl: remote.endpoint,
			accessToken: remote.token,
			...(options.fetch ? { fetchApi: options.fetch } : {})
		})
	);
	const pollMs = options.pollMs ?? 500;
	const call = async <T>(work: () => Promise<T>): Promise<T> => {
		try {
			return await work();
		} catch (err) {
			throw await translate(err, remote.endpoint);
		}
	};
	return {
		async check({ signal } = {}) {
			await call(() => api.pinsGet({ limit: 1 }, { signal }));
		},
		async pin(cid, { name, signal } = {}) {
			const timeout = AbortSignal.timeout(options.timeoutMs ?? 1_800_000);
			const all = signal ? AbortSignal.any([signal, timeout]) : timeout;
			try {
				const known = await call(() => api.pinsGet({ cid: [cid], status: [Status.Pinned, Status.Pinning, Status.Queued], limit: 1 }, { signal: all }));
				const found: PinStatus | undefined = [...known.results][0];
				if (found?.status === Status.Pinned) return;
				const origins = options.origins?.() ?? [];
				let status: PinStatus =
					found ?? (await call(() => api.pinsPost({ pin: { cid, ...(name ? { name } : {}), ...(origins.length > 0 ? { origins } : {}) } }, { signal: all })));
				if (status.delegates.length > 0 && options.connect) await options.connect([...status.delegates], all).catch(() => {});
				while (status.status === Status.Queued || status.status === Status.Pinning) {
					await sleep(pollMs, all);
					const requestid: string = status.requestid;
					status = await call(() => api.pinsRequestidGet({ requestid }, { signal: all }));
				}
				if (status.status === Status.Failed) throw new RemoteCopyFailedError(remote.endpoint, status.info?.status_details ?? 'the service reported the pin as failed');
			} catch (err) {
				if (timeout.aborted && !signal?.aborted) throw new RemoteCopyTimeoutError(remote.endpoint, { cause: err });
				throw err;
			}
		}
	};
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal.aborted) return reject(signal.reason);
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal.reason);
		};
		signal.addEventListener('abort', onAbort, { once: true });
	});
}

/** The generated client throws the Response itself for a non-2xx answer, and fetch's TypeError when nothing answered. */
async function translate(err: unknown, endpoint: string): Promise<unknown> {
	if (err instanceof Response) {
		if (err.status === 401 || err.status === 403) return new RemoteCopyTokenRefusedError(endpoint, { details: `HTTP ${err.status}` });
		const reason = await err
			.json()
			.then((b: { error?: { reason?: string; details?: string } }) => [b?.error?.reason, b?.error?.details].filter(Boolean).join(': '))
			.catch(() => '');
		return new RemoteCopyFailedError(endpoint, reason ? `HTTP ${err.status} ${reason}` : `HTTP ${err.status}`);
	}
	if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return err;
	// The client wraps fetch failures in a FetchError whose cause is fetch's TypeError.
	if (err instanceof TypeError || (err instanceof Error && (err.name === 'FetchError' || err.cause instanceof TypeError)))
		return new RemoteCopyUnreachableError(endpoint, { cause: err });
	if (err instanceof Error && err.name === 'ResponseError' && 'response' in err && err.response instanceof Response) return translate(err.response, endpoint);
	return err;
}

/**
 * The RemoteCopyPort of a node: origins are its own addresses (a browser
 * listens on none), delegates are dialled over its libp2p, so the service's
 * peer can fetch our blocks by bitswap over that connection.
 */
export function remoteCopyPort(node: { libp2p?: Pick<Libp2p, 'getMultiaddrs' | 'dial'> }, options: Omit<PinningServiceOptions, 'origins' | 'connect'> = {}): RemoteCopyPort {
	const libp2p = node.libp2p;
	return {
		client: (remote) =>
			pinningServiceClient(remote, {
				...options,
				origins: () => libp2p?.getMultiaddrs().map((a) => a.toString()).filter((a) => a.includes('/p2p/')) ?? [],
				connect: async (delegates, signal) => {
					if (!libp2p) return;
					await Promise.allSettled(
						delegates.map(async (d) => {
							await libp2p.dial(multiaddr(d), { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
						})
					);
				}
			})
	};
}
