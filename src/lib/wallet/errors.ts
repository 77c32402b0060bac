import { CarevaultError } from '../errors';

/** EIP-1193 code the wallet uses when the person says no. */
export const USER_REJECTED = 4001;
/** EIP-3326: the wallet does not know the chain it was asked to switch to. */
export const UNRECOGNIZED_CHAIN = 4902;

/**
 * Whether `code` appears anywhere in the cause chain. Wallets and viem nest the
 * provider's error (MetaMask Mobile even hides 4902 in `data.originalError`).
 */
export function hasRpcCode(err: unknown, code: number): boolean {
	const seen = new Set<unknown>();
	const stack: unknown[] = [err];
	while (stack.length > 0) {
		const e = stack.pop();
		if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 32) continue;
		seen.add(e);
		const o = e as { code?: unknown; cause?: unknown; data?: unknown; originalError?: unknown };
		if (o.code === code) return true;
		stack.push(o.cause, o.data, o.originalError);
	}
	return false;
}

/** The person declined in their wallet: their choice, shown calmly, never as a failure. */
export class WalletCancelledError extends CarevaultError {
	override name = 'WalletCancelledError' as const;
	readonly cancelled = true;
	readonly code = USER_REJECTED;
	constructor(options: { cause?: unknown } = {}) {
		super('Cancelled in your wallet.', options);
	}
}

export class NoWalletError extends CarevaultError {
	override name = 'NoWalletError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super(
			'No wallet found in this browser. Install MetaMask (or another Ethereum wallet) and reload, or connect MetaMask Mobile.',
			options
		);
	}
}

export class WrongChainError extends CarevaultError {
	override name = 'WrongChainError' as const;
	readonly actualChainId: number;
	readonly expectedChainId: number;
	constructor(actual: number, expected: { chainId: number; chainName: string }, options: { cause?: unknown } = {}) {
		super(
			`Your wallet is on chain ${actual}; Carevault uses ${expected.chainName} (id ${expected.chainId}). Switch network?`,
			options
		);
		this.actualChainId = actual;
		this.expectedChainId = expected.chainId;
	}
}

export class WalletRequestFailedError extends CarevaultError {
	override name = 'WalletRequestFailedError' as const;
	readonly method: string;
	constructor(method: string, options: { cause?: unknown } = {}) {
		super(`Your wallet could not complete the request (${method}). Check your wallet and try again.`, {
			...options,
			details: detailsOf(options.cause)
		});
		this.method = method;
	}
}

/** The wallet answered a signature request with something that is not a signature. */
export class WalletBadSignatureError extends CarevaultError {
	override name = 'WalletBadSignatureError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super('Your wallet returned something that is not a signature. Try again or use another wallet.', options);
	}
}

export class WalletNotConnectedError extends CarevaultError {
	override name = 'WalletNotConnectedError' as const;
	constructor() {
		super('Connect your wallet first.');
	}
}

/** Maps any error from a wallet request to one of ours: 4001 becomes WalletCancelledError. */
export function toWalletError(method: string, err: unknown): CarevaultError {
	if (err instanceof CarevaultError) return err;
	if (hasRpcCode(err, USER_REJECTED)) return new WalletCancelledError({ cause: err });
	return new WalletRequestFailedError(method, { cause: err });
}

function detailsOf(err: unknown): string | undefined {
	if (!err || typeof err !== 'object') return err === undefined ? undefined : String(err);
	const o = err as { shortMessage?: unknown; message?: unknown };
	if (typeof o.shortMessage === 'string') return o.shortMessage;
	if (typeof o.message === 'string') return o.message;
	return undefined;
}
