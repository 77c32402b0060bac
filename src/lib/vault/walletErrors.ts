import { CarevaultError, errorChain } from '../errors';

/** EIP-1193 code the wallet uses when the person says no. */
export const USER_REJECTED = 4001;

/** Whether the EIP-1193 `code` appears anywhere in the error's chain (wallets and viem nest the provider's error). */
export function hasRpcCode(err: unknown, code: number): boolean {
	return errorChain(err).some((e) => e.code === code);
}

/**
 * The person declined in their wallet (connect, signature or transaction):
 * their choice, shown calmly, never as a failure. `consequence` tells what
 * that left as it was ("Nothing was changed.").
 */
export class WalletCancelledError extends CarevaultError {
	override name = 'WalletCancelledError' as const;
	readonly cancelled = true;
	readonly code = USER_REJECTED;
	constructor(options: { cause?: unknown; consequence?: string } = {}) {
		super(options.consequence ? `Cancelled in your wallet. ${options.consequence}` : 'Cancelled in your wallet.', { cause: options.cause });
	}
}

export class WalletSignatureError extends CarevaultError {
	override name = 'WalletSignatureError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Your wallet could not sign the unlock message. Check the wallet and try again.', options);
	}

	static from(cause: unknown): CarevaultError {
		return hasRpcCode(cause, USER_REJECTED)
			? new WalletCancelledError({ cause, consequence: 'Nothing was changed.' })
			: new WalletSignatureError({ cause });
	}
}
