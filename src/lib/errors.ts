/**
 * Base of every error Carevault shows to a person. `shortMessage` is what the
 * UI prints; it tells the person what happened and what to do. `cause` keeps
 * the underlying error for developers.
 */
export class CarevaultError extends Error {
	override name: string = 'CarevaultError';
	readonly shortMessage: string;
	readonly details?: string;

	constructor(shortMessage: string, options: { cause?: unknown; details?: string } = {}) {
		super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
			cause: options.cause
		});
		this.shortMessage = shortMessage;
		this.details = options.details;
	}

	/** Follows `cause` to the deepest error, or the first one `fn` accepts. */
	walk(fn?: (err: unknown) => boolean): unknown {
		return walk(this, fn);
	}
}

function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
	if (fn) return errorChain(err).find(fn) ?? null;
	return errorChain(err, ['cause']).at(-1) ?? err;
}

/** An error as viem, wallets and libraries build them: any of these may be missing. */
export type ErrorLike = {
	name?: unknown;
	code?: unknown;
	message?: unknown;
	shortMessage?: unknown;
	details?: unknown;
	cause?: unknown;
	data?: unknown;
	originalError?: unknown;
	url?: unknown;
};

type Link = 'cause' | 'data' | 'originalError';

/**
 * Every error object reachable from `err`, itself first, then depth-first
 * through `cause` before `data` and `originalError` (viem nests by cause,
 * wallets by data, MetaMask Mobile hides codes in data.originalError). Each
 * object once, at most 32: a cyclic or hostile chain still ends.
 */
export function errorChain(err: unknown, via: readonly Link[] = ['cause', 'data', 'originalError']): ErrorLike[] {
	const seen = new Set<unknown>();
	const out: ErrorLike[] = [];
	const stack: unknown[] = [err];
	while (stack.length > 0 && out.length < 32) {
		const e = stack.pop();
		if (!e || typeof e !== 'object' || seen.has(e)) continue;
		seen.add(e);
		const o = e as ErrorLike;
		out.push(o);
		for (let i = via.length - 1; i >= 0; i--) stack.push(o[via[i]]);
	}
	return out;
}

/** A library error's own short text, for `details`: its shortMessage, else its message. */
export function detailsOf(err: unknown): string | undefined {
	if (!err || typeof err !== 'object') return err === undefined ? undefined : String(err);
	const o = err as ErrorLike;
	if (typeof o.shortMessage === 'string') return o.shortMessage;
	if (typeof o.message === 'string') return o.message;
	return undefined;
}

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
	if (err instanceof CarevaultError) return err.shortMessage;
	if (err && typeof err === 'object' && 'shortMessage' in err && typeof err.shortMessage === 'string')
		return err.shortMessage;
	if (err instanceof Error) return err.message;
	return String(err);
}

/**
 * One place data was looked for and what it answered, e.g. `{ source: 'the IPFS
 * peer /ip4/…', result: 'unreachable' }`. Errors that say "could not be found"
 * carry a list of these so the page can name what is unreachable.
 */
export interface SourceAttempt {
	source: string;
	result: string;
}

/** "the IPFS peer X (unreachable), the gateway Y (does not have it)". */
export function describeAttempts(attempts: readonly SourceAttempt[]): string {
	return attempts.map((a) => `${a.source} (${a.result})`).join('; ');
}

/** The first `attempts` list found along an error's causes, if any. */
export function attemptsIn(err: unknown): readonly SourceAttempt[] | undefined {
	for (const e of errorChain(err, ['cause'])) {
		const attempts = (e as { attempts?: unknown }).attempts;
		if (Array.isArray(attempts)) return attempts as SourceAttempt[];
	}
	return undefined;
}
