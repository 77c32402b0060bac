import { CarevaultError, detailsOf } from '../errors';
import { hasRpcCode, USER_REJECTED, WalletCancelledError } from '../vault/walletErrors';

export { hasRpcCode, USER_REJECTED, WalletCancelledError } from '../vault/walletErrors';

/** EIP-3326: the wallet does not know the chain it was asked to switch to. */
export const UNRECOGNIZED_CHAIN = 4902;

export class NoWalletError extends CarevaultError {
	override name = 'NoWalletError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super(
			'No wallet found in this browser. Install MetaMask (or another Ethereum wallet) and reload, or connect MetaMask Mobile.',
			options
		);
	}
}

/** The wallet is on another chain than the contracts (found on connect, or by a write before it is signed). */
export class WrongChainError extends CarevaultError {
	override name = 'WrongChainError' as const;
	readonly actualChainId: number;
	readonly expectedChainId: number;
	constructor(actual: number, expected: { chainId: number; chainName?: string }, options: { cause?: unknown } = {}) {
		const name = expected.chainName ? `${expected.chainName} (id ${expected.chainId})` : `chain ${expected.chainId}`;
		super(`Your wallet is on chain ${actual}; Carevault uses ${name}. Switch network?`, options);
		this.actualChainId = actual;
		this.expectedChainId = expected.chainId;
	}
}

/** null when the wallet is on the configured chain, else the error to show (no viem: the first paint needs it). */
export function checkChain(chainId: number, config: { chainId: number; chainName?: string }): WrongChainError | null {
	return chainId === config.chainId ? null : new WrongChainError(chainId, config);
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
