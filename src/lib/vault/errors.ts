import { attemptsIn, CarevaultError, describeAttempts } from '../errors';

export { VaultLockedError } from '../crypto/errors';

export class VaultNotFoundError extends CarevaultError {
	override name = 'VaultNotFoundError' as const;
	constructor(address: string) {
		super(`No vault exists yet for ${address}. Create one, or connect the wallet you used before.`);
	}
}

export class VaultExistsError extends CarevaultError {
	override name = 'VaultExistsError' as const;
	constructor(address: string, options: { cause?: unknown } = {}) {
		super(`A vault already exists for this wallet (${address}). Unlock it instead of creating a new one.`, options);
	}
}

export class SignatureInvalidError extends CarevaultError {
	override name = 'SignatureInvalidError' as const;
	constructor() {
		super('The wallet signature does not belong to the connected account, so it cannot unlock the vault. Reconnect your wallet and try again.');
	}
}

export class NoSlotForMethodError extends CarevaultError {
	override name = 'NoSlotForMethodError' as const;
	constructor(method: string, hint: string) {
		super(`This vault cannot be unlocked with ${method} here. ${hint}`);
	}
}

export class RecordNotFoundError extends CarevaultError {
	override name = 'RecordNotFoundError' as const;
	constructor(id: string) {
		super(`There is no record "${id}" in this vault.`);
	}
}

/**
 * Something another person sent (a proposal, a shared bundle) could not be
 * fetched from IPFS in time: the sender's node or its pinning service may be
 * offline. Nothing is wrong with the vault; a later try may work.
 */
export class PayloadUnavailableError extends CarevaultError {
	override name = 'PayloadUnavailableError' as const;
	readonly cid: string;
	constructor(cid: string, options: { cause?: unknown } = {}) {
		const attempts = attemptsIn(options.cause);
		super(
			attempts && attempts.length > 0
				? `This couldn't be fetched from IPFS; the sender's node may be offline. Tried: ${describeAttempts(attempts)}. Try again later.`
				: "This couldn't be fetched from IPFS; the sender's node may be offline. Try again later.",
			{ ...options, details: `cid: ${cid}` }
		);
		this.cid = cid;
	}
}

/**
 * Something another person sent is far larger than its kind ever needs: it
 * was not downloaded past the limit, so it cannot slow or crash this page.
 */
export class PayloadTooLargeError extends CarevaultError {
	override name = 'PayloadTooLargeError' as const;
	readonly cid: string;
	readonly maxBytes: number;
	constructor(cid: string, maxBytes: number, options: { cause?: unknown } = {}) {
		super(
			`This is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB, far more than it should be, so it was not downloaded. Ask the sender to check what they sent.`,
			{ ...options, details: `cid: ${cid}` }
		);
		this.cid = cid;
		this.maxBytes = maxBytes;
	}
}

/**
 * The record index on-chain moved since this tab read it: another tab or
 * device saved records first. The commit use case merges and tries again;
 * nothing was changed by the refused write.
 */
export class IndexChangedElsewhereError extends CarevaultError {
	override name = 'IndexChangedElsewhereError' as const;
	/** The batch count this write was based on. */
	readonly expected: number;
	/** The batch count on-chain when it was refused. */
	readonly actual: number;
	constructor(expected: number, actual: number, options: { cause?: unknown } = {}) {
		super('Your vault was changed in another tab or on another device. Nothing was lost: reload to see the latest records.', {
			...options,
			details: `index based on batch ${expected}, chain is at batch ${actual}`
		});
		this.expected = expected;
		this.actual = actual;
	}
}

/** The vault pointer on-chain is not the one this write expected (another tab or device wrote it). */
export class VaultPointerChangedError extends CarevaultError {
	override name = 'VaultPointerChangedError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Your vault was changed in another tab or on another device, so nothing was overwritten. Reload and try again.', options);
	}
}

/**
 * Saving kept colliding with writes from another tab or device. The new
 * records are encrypted and stored; only the index update is missing, so
 * saving again loses nothing.
 */
export class IndexKeptChangingError extends CarevaultError {
	override name = 'IndexKeptChangingError' as const;
	readonly attempts: number;
	constructor(attempts: number, options: { cause?: unknown } = {}) {
		super(
			'Your vault kept changing in another tab or on another device while these records were being saved. They are encrypted and stored but not yet listed in your vault: press "Save again" when the other tab or device is done.',
			{ ...options, details: `${attempts} attempts` }
		);
		this.attempts = attempts;
	}
}

/**
 * The page is on a shared IPFS path gateway (https://gateway/ipfs/<cid>/...):
 * every site that gateway serves runs in one browser origin, so another site
 * there could read this vault's local data and ask the wallet for its unlock
 * signature.
 */
export class SharedGatewayOriginError extends CarevaultError {
	override name = 'SharedGatewayOriginError' as const;
	constructor(page: string, appUri: string) {
		super(
			`Carevault will not create or unlock a vault at this address (${page}). It is a shared IPFS gateway: every site the gateway serves shares this one browser origin, so another site opened there could read your vault's stored data and ask your wallet for its unlock signature. Open Carevault at its own address instead: ${appUri}, or the site's subdomain gateway address (https://<cid>.ipfs.<gateway>/) or its DNSLink name. Share links still open here.`
		);
	}
}

/** A passphrase zxcvbn scores below 3 ("safely unguessable"). */
export class WeakPassphraseError extends CarevaultError {
	override name = 'WeakPassphraseError' as const;
	readonly reasons: string[];
	constructor(reasons: string[]) {
		const why = reasons.length > 0 ? reasons.join(' ') : 'It would be guessed quickly.';
		super(`This passphrase is too easy to guess. ${why} Use several unrelated words, or a longer phrase only you would think of.`);
		this.reasons = reasons;
	}
}
