/**
 * A remote copy: a service that keeps this vault's blocks when no browser of
 * the patient is open. First kind: any IPFS Pinning Service API
 * (https://ipfs.github.io/pinning-services-api-spec/), as Pinata and Filebase speak it.
 */
export interface RemoteCopy {
	/** Random, stable: queue entries name their remote by it. */
	id: string;
	kind: 'pinning-service';
	/** What the patient calls it (defaults to the endpoint's host). */
	name: string;
	/** The API's base URL, e.g. `https://api.pinata.cloud/psa`. */
	endpoint: string;
	/** The bearer access token. Kept only sealed under the vault's keys. */
	token: string;
}

/** One remote copy's client, built by the adapter (lib/ipfs/pinningService.ts). */
export interface PinningClient {
	/**
	 * Asks the service to keep `cid` and everything under it, and resolves
	 * once the service reports it pinned. The service fetches the blocks from
	 * this browser: the adapter sends its addresses as `origins` and connects
	 * to the `delegates` the service returns. Throws a RemoteCopy*Error.
	 */
	pin(cid: string, options?: { name?: string; signal?: AbortSignal }): Promise<void>;
	/** Asks for one pin: resolves when the endpoint answers and accepts the token. */
	check(options?: { signal?: AbortSignal }): Promise<void>;
}

/** Builds a client per remote copy; absent where this page cannot reach any (a node test without one). */
export interface RemoteCopyPort {
	client(remote: RemoteCopy): PinningClient;
}
