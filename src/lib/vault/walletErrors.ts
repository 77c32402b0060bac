import { CarevaultError } from '../errors';

/** Finds an EIP-1193 error code anywhere in a cause chain. */
export function rpcCodeOf(err: unknown): number | undefined {
	for (let e = err, depth = 0; e && typeof e === 'object' && depth < 10; depth++) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'number') return code;
		e = (e as { cause?: unknown }).cause;
	}
	return undefined;
}

export class SignatureCancelledError extends CarevaultError {
	override name = 'SignatureCancelledError' as const;
	readonly cancelled = true;
	constructor(options: { cause?: unknown } = {}) {
		super('Cancelled in your wallet. Nothing was changed.', options);
	}
}

export class WalletSignatureError extends CarevaultError {
	override name = 'WalletSignatureError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Your wallet could not sign the unlock message. Check the wallet and try again.', options);
	}

	static from(cause: unknown): CarevaultError {
		return rpcCodeOf(cause) === 4001 ? new SignatureCancelledError({ cause }) : new WalletSignatureError({ cause });
	}
}
