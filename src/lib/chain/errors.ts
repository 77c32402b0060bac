import { CarevaultError, detailsOf, errorChain, type ErrorLike } from '../errors';
import { USER_REJECTED, WalletCancelledError } from '../vault/walletErrors';
import { WrongChainError } from '../wallet/errors';
import type { Hex } from '../vault/ports';

export { WrongChainError } from '../wallet/errors';

export class ChainUnreachableError extends CarevaultError {
	override name = 'ChainUnreachableError' as const;
	readonly url: string | undefined;
	/** The HTTP status the RPC answered with, when it answered at all. */
	readonly status: number | undefined;
	constructor(url: string | undefined, options: { cause?: unknown; details?: string; status?: number } = {}) {
		const where = url ?? 'the configured address';
		const { status } = options;
		super(
			status === 429
				? `The blockchain service at ${where} is limiting requests (HTTP 429), even after a few slower retries. Nothing was changed; try again in a minute.`
				: status !== undefined && status >= 500
					? `The blockchain service at ${where} is failing (HTTP ${status}), even after a few retries. Nothing was changed; try again later.`
					: `Cannot reach the blockchain at ${where}. Check your connection; on a development machine, is the local chain running (npm start)?`,
			options
		);
		this.url = url;
		this.status = status;
	}
}

/** The transaction reverted (or would revert): nothing changed on-chain. */
export class TransactionFailedError extends CarevaultError {
	override name = 'TransactionFailedError' as const;
	/** Name of the contract's custom error, when it could be decoded. */
	readonly errorName: string | undefined;
	readonly errorArgs: readonly unknown[] | undefined;
	readonly hash: Hex | undefined;
	constructor(
		action: string,
		info: { errorName?: string; errorArgs?: readonly unknown[]; hash?: Hex } = {},
		options: { cause?: unknown } = {}
	) {
		const args = info.errorArgs?.length ? `(${info.errorArgs.map(String).join(', ')})` : '';
		const details = [info.errorName ? `${info.errorName}${args}` : 'reverted without a known reason', info.hash && `transaction ${info.hash}`]
			.filter(Boolean)
			.join(', ');
		super(`The blockchain refused to ${action}, so nothing was changed. Try again; if it keeps failing, please report it.`, {
			...options,
			details
		});
		this.errorName = info.errorName;
		this.errorArgs = info.errorArgs;
		this.hash = info.hash;
	}
}

export class ContractsMissingError extends CarevaultError {
	override name = 'ContractsMissingError' as const;
	readonly address: Hex;
	constructor(address: Hex, options: { cause?: unknown } = {}) {
		super(
			'The Carevault contracts are not deployed on this chain. Check that your wallet and this site use the same network, or restart the local chain with npm start.',
			{ ...options, details: `no contract code at ${address}` }
		);
		this.address = address;
	}
}

/** A value our code was about to send does not fit the contract: a Carevault bug, not the person's. */
export class InvalidChainInputError extends CarevaultError {
	override name = 'InvalidChainInputError' as const;
	constructor(problem: string) {
		super(`Carevault prepared an invalid blockchain request (${problem}). Nothing was sent. Please report this.`);
	}
}

/** Any other failure of a chain request. */
export class ChainRequestFailedError extends CarevaultError {
	override name = 'ChainRequestFailedError' as const;
	constructor(action: string, options: { cause?: unknown } = {}) {
		super(`Could not ${action} on the blockchain. Try again in a moment.`, { ...options, details: detailsOf(options.cause) });
	}
}

/** Storage names the block of a vault's commit, but the RPC returned no event there: it is behind, or keeps no logs that old. */
export class CommitEventMissingError extends CarevaultError {
	override name = 'CommitEventMissingError' as const;
	constructor(batch: bigint, block: bigint) {
		super('The blockchain node did not return the record of one of your vault\'s saves. Try again in a moment, or use another RPC endpoint that keeps event logs.', {
			details: `no BatchCommitted event of batch ${batch} in block ${block}`
		});
	}
}

export type ChainError =
	| WalletCancelledError
	| ChainUnreachableError
	| WrongChainError
	| TransactionFailedError
	| ContractsMissingError
	| InvalidChainInputError
	| CommitEventMissingError
	| ChainRequestFailedError;

const find = (err: unknown, test: (e: ErrorLike & { errorName?: unknown }) => boolean) => errorChain(err).find(test);

const UNREACHABLE = new Set(['HttpRequestError', 'TimeoutError', 'WebSocketRequestError', 'SocketClosedError']);

/**
 * Maps any failure of a chain request to one of the errors above.
 * `action` completes "Could not …" / "refused to …" (e.g. "save your vault pointer").
 */
export function toChainError(err: unknown, context: { action: string; rpcUrl?: string }): CarevaultError {
	if (err instanceof CarevaultError) return err;
	if (find(err, (e) => e.code === USER_REJECTED || e.name === 'UserRejectedRequestError'))
		return new WalletCancelledError({ cause: err, consequence: 'Nothing was changed on the blockchain.' });
	const reverted = find(err, (e) => e.name === 'ContractFunctionRevertedError');
	if (reverted) {
		const data = (reverted as { data?: { errorName?: string; args?: readonly unknown[] } }).data;
		return new TransactionFailedError(context.action, { errorName: data?.errorName, errorArgs: data?.args }, { cause: err });
	}
	const zeroData = find(err, (e) => e.name === 'ContractFunctionZeroDataError');
	if (zeroData) {
		const address = (find(err, (e) => e.name === 'ContractFunctionExecutionError') as { contractAddress?: Hex } | undefined)
			?.contractAddress;
		return new ContractsMissingError(address ?? '0x', { cause: err });
	}
	const mismatch = find(err, (e) => e.name === 'ChainMismatchError');
	if (mismatch) {
		const m = /\(id: (\d+)\)[\s\S]*?\(id: (\d+)/.exec(String(mismatch.message));
		if (m) return new WrongChainError(Number(m[1]), { chainId: Number(m[2]) }, { cause: err });
	}
	const unreachable = find(err, (e) => typeof e.name === 'string' && UNREACHABLE.has(e.name));
	if (unreachable) {
		// The failing request's URL (it may be the wallet's RPC, not ours); viem adds a bare "/".
		const url = typeof unreachable.url === 'string' ? unreachable.url.replace(/^(\w+:\/\/[^/]+)\/$/, '$1') : context.rpcUrl;
		const status = typeof (unreachable as { status?: unknown }).status === 'number' ? ((unreachable as { status: number }).status) : undefined;
		return new ChainUnreachableError(url, { cause: err, details: detailsOf(unreachable), ...(status !== undefined ? { status } : {}) });
	}
	return new ChainRequestFailedError(context.action, { cause: err });
}

/**
 * Runs a chain call and turns the contract custom errors named in `map` into
 * the errors the use cases declare (lib/vault/.../errors.ts), so nothing above
 * chain/ needs to know a contract error's name. Other failures pass through.
 */
export async function translateReverts<T>(
	call: Promise<T>,
	map: Record<string, (err: TransactionFailedError) => unknown>
): Promise<T> {
	try {
		return await call;
	} catch (err) {
		const to = err instanceof TransactionFailedError && err.errorName ? map[err.errorName] : undefined;
		throw to ? await to(err as TransactionFailedError) : err;
	}
}
