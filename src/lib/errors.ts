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
	if (fn?.(err)) return err;
	const cause = (err as { cause?: unknown } | null)?.cause;
	if (cause !== undefined && cause !== null) return walk(cause, fn);
	return fn ? null : err;
}

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
	if (err instanceof CarevaultError) return err.shortMessage;
	if (err && typeof err === 'object' && 'shortMessage' in err && typeof err.shortMessage === 'string')
		return err.shortMessage;
	if (err instanceof Error) return err.message;
	return String(err);
}
