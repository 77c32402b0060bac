/**
 * The person's wallet connection as the UI sees it. Browser pieces (the window
 * used for discovery, MetaMask Mobile) come in through the constructor, so a
 * node test drives this class with an EventTarget and a plain EIP-1193 object.
 */
import type { Hex } from 'viem';
import type { CarevaultError } from '../errors';
import type { ChainConfig, SessionWalletClient } from './connect';
import { discoverWallets, type DiscoveredWallet, type Eip1193Provider, type WalletWindow } from './discover';
import {
	checkChain,
	NoWalletError,
	toWalletError,
	WalletBadSignatureError,
	WalletCancelledError,
	WalletNotConnectedError,
	WalletRequestFailedError,
	WrongChainError
} from './errors';

export type WalletStatus = 'idle' | 'connecting' | 'connected' | 'wrong-chain' | 'error';

export interface WalletChange {
	status: WalletStatus;
	address: Hex | null;
	chainId: number | null;
	/** What the person did: connected, switched account or chain in the wallet, or disconnected. */
	reason: 'connect' | 'accounts' | 'chain' | 'disconnect';
}

export interface WalletSessionOptions {
	config: ChainConfig;
	/** Where wallets announce themselves; `window` by default, null for none. */
	window?: WalletWindow | null;
	/** How long connect() listens for EIP-6963 announcements. */
	discoverTimeoutMs?: number;
	/** The MetaMask Mobile path (a lazily loaded SDK) for browsers without a wallet. */
	connectMobile?: () => Promise<DiscoveredWallet>;
}

export interface ConnectOptions {
	/** Prefer the wallet with this EIP-6963 rdns when several are installed. */
	rdns?: string;
	/** Use MetaMask Mobile instead of an injected wallet. */
	mobile?: boolean;
}

const defaultConnectMobile = async () => (await import('./metamask')).connectMetaMaskMobile();

// viem (about 120 kB gzip) is needed only once there is a wallet to talk to: not in the first paint.
type Connect = typeof import('./connect');
let connectModule: Promise<Connect> | null = null;
const loadConnect = (): Promise<Connect> => (connectModule ??= import('./connect'));

// viem's isHex(x, { strict: true }), without loading viem for it.
const isHex = (x: unknown): x is Hex => typeof x === 'string' && /^0x[0-9a-fA-F]*$/.test(x);

export class WalletSession {
	#config: ChainConfig;
	#window: WalletWindow | null;
	#discoverTimeoutMs: number;
	#connectMobile: () => Promise<DiscoveredWallet>;
	#listeners = new Set<(change: WalletChange) => void>();

	#status = $state<WalletStatus>('idle');
	#address = $state<Hex | null>(null);
	#chainId = $state<number | null>(null);
	#wallet = $state.raw<DiscoveredWallet | null>(null);
	#error = $state.raw<CarevaultError | null>(null);
	// Loaded before a wallet is attached, so everything that runs while one is attached has it.
	#connect = $state.raw<Connect | null>(null);
	#wrongChain = $derived.by(() =>
		this.#address && this.#chainId !== null ? checkChain(this.#chainId, this.#config) : null
	);
	#client = $derived.by(() =>
		this.#status === 'connected' && this.#wallet && this.#address && this.#connect
			? this.#connect.walletClientFor(this.#wallet.provider, this.#config, this.#address)
			: null
	);

	constructor(options: WalletSessionOptions) {
		this.#config = options.config;
		this.#window =
			options.window !== undefined
				? options.window
				: typeof window !== 'undefined'
					? (window as unknown as WalletWindow)
					: null;
		this.#discoverTimeoutMs = options.discoverTimeoutMs ?? 300;
		this.#connectMobile = options.connectMobile ?? defaultConnectMobile;
	}

	get status() { return this.#status; }
	get address() { return this.#address; }
	get chainId() { return this.#chainId; }
	get walletName() { return this.#wallet?.info.name ?? null; }
	get walletIcon() { return this.#wallet?.info.icon ?? null; }
	get chainName() { return this.#config.chainName; }
	/** The last failure (a cancel is a WalletCancelledError), else the wrong-chain condition. */
	get error(): CarevaultError | null { return this.#error ?? this.#wrongChain; }
	/** Set while the wallet is on another chain than the site's. */
	get wrongChain(): WrongChainError | null { return this.#status === 'wrong-chain' ? this.#wrongChain : null; }
	/** viem client with the account set, only while connected on the right chain. */
	get walletClient(): SessionWalletClient | null { return this.#client; }
	/** The raw EIP-1193 provider of the connected wallet. */
	get provider(): Eip1193Provider | null { return this.#wallet?.provider ?? null; }

	/** Called after every change of account, chain or connection; returns an unsubscribe function. */
	onChange(listener: (change: WalletChange) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Opens the wallet's connect prompt. Failures land in `error`; a cancel leaves the session idle. */
	async connect(options: ConnectOptions = {}): Promise<void> {
		if (this.#status === 'connecting') return;
		this.#status = 'connecting';
		this.#error = null;
		try {
			const wallet = options.mobile ? await this.#connectMobile() : await this.#pick(options.rdns);
			const connect = await this.#loadConnect();
			const accounts = await connect.requestAccounts(wallet.provider);
			if (accounts.length === 0) throw new WalletRequestFailedError('eth_requestAccounts');
			const chainId = await connect.readChainId(wallet.provider);
			this.#attach(wallet);
			this.#apply(accounts[0], chainId, 'connect');
		} catch (err) {
			this.#fail(toWalletError('eth_requestAccounts', err));
		}
	}

	/**
	 * Reconnects without a prompt when the wallet still shares an account with
	 * this site (after a reload). Resolves true when connected.
	 */
	async restore(options: { rdns?: string } = {}): Promise<boolean> {
		if (this.#status !== 'idle') return this.#address !== null;
		let wallet: DiscoveredWallet;
		try {
			wallet = await this.#pick(options.rdns);
		} catch {
			return false; // no wallet: nothing to restore, and nothing to complain about before a click
		}
		if (this.#status !== 'idle') return this.#address !== null;
		const connect = await this.#loadConnect();
		const accounts = await connect.readAccounts(wallet.provider).catch(() => []);
		if (accounts.length === 0 || this.#status !== 'idle') return false;
		const chainId = await connect.readChainId(wallet.provider);
		this.#attach(wallet);
		this.#apply(accounts[0], chainId, 'connect');
		return true;
	}

	/** Asks the wallet to switch to (or add) the site's chain. */
	async switchChain(): Promise<void> {
		const wallet = this.#wallet;
		if (!wallet || !this.#address) {
			this.#error = new WalletNotConnectedError();
			return;
		}
		this.#error = null;
		try {
			const chainId = await (await this.#loadConnect()).switchToChain(wallet.provider, this.#config);
			this.#apply(this.#address, chainId, 'chain');
		} catch (err) {
			this.#error = toWalletError('wallet_switchEthereumChain', err);
		}
	}

	/** Forgets the connection here and asks the wallet to forget this site where it can. */
	async disconnect(): Promise<void> {
		const wallet = this.#wallet;
		const wasConnected = this.#address !== null;
		this.#detach();
		this.#address = null;
		this.#chainId = null;
		this.#error = null;
		this.#status = 'idle';
		if (wasConnected) this.#emit('disconnect');
		// EIP-2255 revoke is optional for wallets; one that lacks it simply keeps its permission.
		await wallet?.provider
			.request({ method: 'wallet_revokePermissions', params: [{ eth_accounts: {} }] })
			.catch(() => undefined);
	}

	/**
	 * EIP-191 personal_sign by the connected account. Throws WalletCancelledError
	 * on a 4001, WrongChainError on the wrong chain, WalletBadSignatureError when
	 * the wallet answers with something that is not a 65+ byte hex signature.
	 */
	async signMessage(message: string): Promise<Hex> {
		if (this.#status === 'wrong-chain' && this.#wrongChain) throw this.#wrongChain;
		const client = this.#client;
		if (!client) throw new WalletNotConnectedError();
		let signature: unknown;
		try {
			signature = await client.signMessage({ message });
		} catch (err) {
			throw toWalletError('personal_sign', err);
		}
		if (!isHex(signature) || signature.length < 132 || signature.length % 2 !== 0)
			throw new WalletBadSignatureError({ details: `got ${String(signature).slice(0, 20)}` });
		return signature;
	}

	async #loadConnect(): Promise<Connect> {
		return (this.#connect ??= await loadConnect());
	}

	async #pick(rdns?: string): Promise<DiscoveredWallet> {
		if (this.#wallet) return this.#wallet;
		const wallets = this.#window ? await discoverWallets(this.#window, { timeoutMs: this.#discoverTimeoutMs }) : [];
		const wallet = wallets.find((w) => rdns && w.info.rdns === rdns) ?? wallets[0];
		if (!wallet) throw new NoWalletError();
		return wallet;
	}

	#onAccounts = (accounts: unknown) => {
		if (!this.#wallet) return;
		const list = Array.isArray(accounts) ? accounts.filter((a): a is string => typeof a === 'string') : [];
		if (list.length === 0) {
			// The wallet locked or revoked this site: same as a disconnect for the app.
			this.#detach();
			this.#address = null;
			this.#chainId = null;
			this.#status = 'idle';
			this.#emit('accounts');
			return;
		}
		// #connect is set: a wallet is attached only after it loaded.
		if (this.#chainId !== null && this.#connect) this.#apply(this.#connect.checksumAddress(list[0]), this.#chainId, 'accounts');
	};

	#onChain = (chainId: unknown) => {
		if (!this.#wallet || !this.#address) return;
		const id = typeof chainId === 'number' ? chainId : Number(chainId);
		if (Number.isSafeInteger(id)) this.#apply(this.#address, id, 'chain');
	};

	#onDisconnect = () => {
		if (!this.#wallet) return;
		this.#detach();
		this.#address = null;
		this.#chainId = null;
		this.#status = 'idle';
		this.#emit('disconnect');
	};

	#attach(wallet: DiscoveredWallet) {
		if (this.#wallet === wallet) return;
		this.#detach();
		this.#wallet = wallet;
		wallet.provider.on?.('accountsChanged', this.#onAccounts);
		wallet.provider.on?.('chainChanged', this.#onChain);
		wallet.provider.on?.('disconnect', this.#onDisconnect);
	}

	#detach() {
		const wallet = this.#wallet;
		if (!wallet) return;
		wallet.provider.removeListener?.('accountsChanged', this.#onAccounts);
		wallet.provider.removeListener?.('chainChanged', this.#onChain);
		wallet.provider.removeListener?.('disconnect', this.#onDisconnect);
		this.#wallet = null;
	}

	#apply(address: Hex, chainId: number, reason: WalletChange['reason']) {
		const before = [this.#status, this.#address, this.#chainId].join();
		this.#address = address;
		this.#chainId = chainId;
		this.#status = checkChain(chainId, this.#config) ? 'wrong-chain' : 'connected';
		if (this.#status === 'connected' && this.#error instanceof WrongChainError) this.#error = null;
		if (before !== [this.#status, this.#address, this.#chainId].join()) this.#emit(reason);
	}

	#fail(error: CarevaultError) {
		this.#error = error;
		if (this.#address) {
			// A failed reconnect attempt does not undo a working connection.
			this.#status = checkChain(this.#chainId ?? 0, this.#config) ? 'wrong-chain' : 'connected';
		} else {
			this.#status = error instanceof WalletCancelledError ? 'idle' : 'error';
		}
	}

	#emit(reason: WalletChange['reason']) {
		const change: WalletChange = { status: this.#status, address: this.#address, chainId: this.#chainId, reason };
		for (const listener of this.#listeners) listener(change);
	}
}
