/**
 * The node half of the test wallet: a small MetaMask-like EIP-1193 wallet over
 * one local private key. It signs locally (messages, typed data, transactions
 * sent as eth_sendRawTransaction), so it never relies on anvil's unlocked
 * accounts, and proxies every read to the chain's RPC. The browser provider in
 * ./wallet.ts and the node provider in nodeProvider() both forward here.
 */
import { createPublicClient, createWalletClient, defineChain, getAddress, http, isAddressEqual, isHex, numberToHex, type Account, type Address, type Hex, type PrivateKeyAccount, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export interface TestWalletOptions {
	rpcUrl: string;
	privateKey: Hex;
	chainId: number;
}

export type WalletEvent = 'accountsChanged' | 'chainChanged' | 'connect' | 'disconnect';

/** A provider RPC error as EIP-1193 describes it: `code`, `message`, optional `data`. */
export class WalletRpcError extends Error {
	override name = 'WalletRpcError' as const;
	readonly code: number;
	readonly data?: unknown;
	constructor(code: number, message: string, data?: unknown) {
		super(message);
		this.code = code;
		this.data = data;
	}
}

const REJECTED = () => new WalletRpcError(4001, 'User rejected the request.');
const UNAUTHORIZED = () =>
	new WalletRpcError(4100, 'The requested account and/or method has not been authorized by the user.');

export class TestWalletBackend {
	#account: PrivateKeyAccount;
	#chainId: number;
	#chains = new Map<number, string>();
	#authorized = false;
	#rejections = new Map<string, number>();
	#emit: (event: WalletEvent, data: unknown) => void | Promise<void>;
	#txQueue: Promise<unknown> = Promise.resolve();
	#holds: Array<{ reached(): void; released: Promise<void> }> = [];
	/** Every method asked of the wallet, in order. */
	readonly requests: string[] = [];

	constructor(options: TestWalletOptions, emit: (event: WalletEvent, data: unknown) => void | Promise<void>) {
		this.#account = privateKeyToAccount(options.privateKey);
		this.#chainId = options.chainId;
		this.#chains.set(options.chainId, options.rpcUrl);
		this.#emit = emit;
	}

	get address(): Hex { return this.#account.address; }
	get chainId(): number { return this.#chainId; }
	get authorized(): boolean { return this.#authorized; }

	/** The next request of `method` fails with 4001, as if the person clicked "Reject". */
	rejectNext(method: string): void {
		this.#rejections.set(method, (this.#rejections.get(method) ?? 0) + 1);
	}

	/**
	 * The next transaction is prepared (gas estimated against the chain as it
	 * is now) and then waits, as if the person had not yet clicked "Confirm",
	 * until `release()`. `reached` resolves once it waits. Lets two devices both
	 * be "in the wallet" before either transaction lands.
	 */
	holdNextSend(): { reached: Promise<void>; release(): void } {
		let reached!: () => void;
		let release!: () => void;
		const reachedP = new Promise<void>((r) => (reached = r));
		const released = new Promise<void>((r) => (release = r));
		this.#holds.push({ reached, released });
		return { reached: reachedP, release };
	}

	/** The person picks another account in the wallet. */
	async setAccount(privateKey: Hex): Promise<Hex> {
		this.#account = privateKeyToAccount(privateKey);
		if (this.#authorized) await this.#emit('accountsChanged', [this.#account.address]);
		return this.#account.address;
	}

	/** The person switches network in the wallet (to any id, known or not). */
	async setChain(chainId: number): Promise<void> {
		if (chainId === this.#chainId) return;
		this.#chainId = chainId;
		await this.#emit('chainChanged', numberToHex(chainId));
	}

	/** Removes a network from the wallet, so switching to it answers 4902. */
	forgetChain(chainId: number): void {
		this.#chains.delete(chainId);
	}

	async request(args: { method: string; params?: unknown }): Promise<unknown> {
		const { method } = args;
		const params = (Array.isArray(args.params) ? args.params : []) as unknown[];
		this.requests.push(method);
		const pending = this.#rejections.get(method) ?? 0;
		if (pending > 0) {
			this.#rejections.set(method, pending - 1);
			throw REJECTED();
		}
		switch (method) {
			case 'eth_requestAccounts':
				this.#authorized = true;
				return [this.#account.address];
			case 'eth_accounts':
				return this.#authorized ? [this.#account.address] : [];
			case 'eth_chainId':
				return numberToHex(this.#chainId);
			case 'net_version':
				return String(this.#chainId);
			case 'wallet_requestPermissions':
				this.#authorized = true;
				return [{ parentCapability: 'eth_accounts' }];
			case 'wallet_getPermissions':
				return this.#authorized ? [{ parentCapability: 'eth_accounts' }] : [];
			case 'wallet_revokePermissions':
				if (this.#authorized) {
					this.#authorized = false;
					await this.#emit('accountsChanged', []);
				}
				return null;
			case 'personal_sign':
				return this.#personalSign(params);
			case 'eth_signTypedData_v4':
				return this.#signTypedData(params);
			case 'eth_sendTransaction':
				return this.#sendTransaction(params);
			case 'eth_sign':
			case 'eth_signTransaction':
				throw new WalletRpcError(4200, `The test wallet does not support ${method}.`);
			case 'wallet_switchEthereumChain':
				return this.#switchChain(params);
			case 'wallet_addEthereumChain':
				return this.#addChain(params);
			default:
				return this.#proxy(method, params);
		}
	}

	#checkAccount(address: unknown) {
		if (!this.#authorized) throw UNAUTHORIZED();
		if (typeof address !== 'string' || !isHex(address) || !isAddressEqual(address, this.#account.address))
			throw UNAUTHORIZED();
	}

	async #personalSign(params: unknown[]): Promise<Hex> {
		const [data, address] = params;
		this.#checkAccount(address);
		if (typeof data !== 'string') throw new WalletRpcError(-32602, 'personal_sign expects a message.');
		// Like MetaMask: hex is taken as bytes, anything else as UTF-8 text.
		return this.#account.signMessage({ message: isHex(data) ? { raw: data } : data });
	}

	async #signTypedData(params: unknown[]): Promise<Hex> {
		const [address, json] = params;
		this.#checkAccount(address);
		const typed = typeof json === 'string' ? JSON.parse(json) : json;
		return this.#account.signTypedData(typed);
	}

	#sendTransaction(params: unknown[]): Promise<Hex> {
		// One at a time, like a wallet's confirmation queue, so nonces never collide.
		const run = this.#txQueue.then(() => this.#sendOne(params));
		this.#txQueue = run.catch(() => undefined);
		return run;
	}

	async #sendOne(params: unknown[]): Promise<Hex> {
		const tx = (params[0] ?? {}) as Record<string, string | undefined>;
		this.#checkAccount(tx.from ?? this.#account.address);
		const rpcUrl = this.#rpcUrl();
		const chain = defineChain({
			id: this.#chainId,
			name: `chain ${this.#chainId}`,
			nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
			rpcUrls: { default: { http: [rpcUrl] } }
		});
		const client = createWalletClient({ account: this.#account, chain, transport: http(rpcUrl, { retryCount: 0 }) });
		const big = (v: string | undefined) => (v === undefined || v === null ? undefined : BigInt(v));
		try {
			const to = tx.to ? getAddress(tx.to) : undefined;
			const data = tx.data as Hex | undefined;
			const value = big(tx.value);
			const common = {
				to,
				data,
				value,
				gas: big(tx.gas) ?? (await bufferedGas(createPublicClient({ chain, transport: http(rpcUrl, { retryCount: 0 }) }), { account: this.#account, to, data, value })),
				nonce: tx.nonce === undefined ? undefined : Number(tx.nonce)
			};
			const hold = this.#holds.shift();
			if (hold) {
				hold.reached();
				await hold.released;
			}
			return tx.gasPrice !== undefined
				? await client.sendTransaction({ ...common, gasPrice: big(tx.gasPrice) })
				: await client.sendTransaction({
						...common,
						maxFeePerGas: big(tx.maxFeePerGas),
						maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas)
					});
		} catch (err) {
			throw asRpcError(err);
		}
	}

	async #switchChain(params: unknown[]): Promise<null> {
		const id = Number((params[0] as { chainId?: string } | undefined)?.chainId);
		if (!this.#chains.has(id)) throw new WalletRpcError(4902, `Unrecognized chain ID "${numberToHex(id)}". Try adding the chain using wallet_addEthereumChain first.`);
		await this.setChain(id);
		return null;
	}

	async #addChain(params: unknown[]): Promise<null> {
		const p = (params[0] ?? {}) as { chainId?: string; rpcUrls?: string[] };
		const id = Number(p.chainId);
		const rpcUrl = p.rpcUrls?.[0];
		if (!Number.isSafeInteger(id) || !rpcUrl) throw new WalletRpcError(-32602, 'wallet_addEthereumChain needs chainId and rpcUrls.');
		this.#chains.set(id, rpcUrl);
		// MetaMask switches to a chain right after adding it.
		await this.setChain(id);
		return null;
	}

	#rpcUrl(): string {
		const url = this.#chains.get(this.#chainId);
		if (!url) throw new WalletRpcError(-32603, `The test wallet has no RPC for chain ${this.#chainId}.`);
		return url;
	}

	async #proxy(method: string, params: unknown[]): Promise<unknown> {
		const res = await fetch(this.#rpcUrl(), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
		});
		const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
		if (body.error) throw new WalletRpcError(body.error.code, body.error.message, body.error.data);
		return body.result;
	}
}

/** The innermost RPC code (and its data) in a viem error chain, as a provider error. */
function asRpcError(err: unknown): WalletRpcError {
	let found: { code: number; message: string; data?: unknown } | null = null;
	for (let e = err, i = 0; e && typeof e === 'object' && i < 16; i++) {
		const o = e as { code?: unknown; shortMessage?: unknown; message?: unknown; data?: unknown; cause?: unknown };
		if (typeof o.code === 'number')
			found = { code: o.code, message: String(o.shortMessage ?? o.message), data: o.data };
		e = o.cause;
	}
	if (found) return new WalletRpcError(found.code, found.message, found.data);
	return new WalletRpcError(-32603, err instanceof Error ? err.message : String(err));
}

/**
 * A node EIP-1193 provider over the backend, with `on`/`removeListener`, for
 * driving the app's wallet code in node tests without a browser.
 */
export function nodeProvider(options: TestWalletOptions) {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- EIP-1193 listeners take event-specific arguments
	type Listener = (...args: any[]) => void;
	const listeners = new Map<string, Set<Listener>>();
	const backend = new TestWalletBackend(options, (event, data) => {
		for (const fn of [...(listeners.get(event) ?? [])]) fn(data);
	});
	const provider = {
		isMetaMask: true,
		request: (args: { method: string; params?: unknown }) => backend.request(args),
		on(event: string, fn: Listener) {
			if (!listeners.has(event)) listeners.set(event, new Set());
			listeners.get(event)!.add(fn);
			return provider;
		},
		removeListener(event: string, fn: Listener) {
			listeners.get(event)?.delete(fn);
			return provider;
		},
		listenerCount: (event: string) => listeners.get(event)?.size ?? 0
	};
	return { provider, backend };
}

/**
 * The gas limit MetaMask puts on a transaction the dapp sent without one: the
 * node's estimate plus half, capped at 90% of the block gas limit (an estimate
 * already above that cap is used as it is). A reverting call throws here, as
 * MetaMask reports it before asking the user.
 */
async function bufferedGas(
	client: PublicClient,
	tx: { account: Account; to?: Address; data?: Hex; value?: bigint }
): Promise<bigint> {
	const [estimate, block] = await Promise.all([client.estimateGas(tx), client.getBlock()]);
	const cap = (block.gasLimit * 9n) / 10n;
	if (estimate > cap) return estimate;
	const buffered = (estimate * 3n) / 2n;
	return buffered < cap ? buffered : cap;
}
