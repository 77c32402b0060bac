import { CarevaultError } from '../../errors';

/** The patient revoked the grant on-chain: nothing more is served. */
export class GrantRevokedError extends CarevaultError {
	override name = 'GrantRevokedError' as const;
	readonly grantId: bigint;
	constructor(grantId: bigint, options: { cause?: unknown } = {}) {
		super('This share was revoked by the patient. What was shown before cannot be taken back, but nothing more is available.', options);
		this.grantId = grantId;
	}
}

/** The grant's expiry has passed at the chain's latest block. */
export class GrantExpiredError extends CarevaultError {
	override name = 'GrantExpiredError' as const;
	readonly grantId: bigint;
	readonly expiresAt: number;
	constructor(grantId: bigint, expiresAt: number, options: { cause?: unknown } = {}) {
		super(`This share expired on ${formatExpiry(expiresAt)}. Ask the patient for a new one if you still need it.`, options);
		this.grantId = grantId;
		this.expiresAt = expiresAt;
	}
}

/** A share link that cannot be read, or does not match its grant on-chain. */
export class LinkInvalidError extends CarevaultError {
	override name = 'LinkInvalidError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This share link cannot be opened: ${problem} Check that it was copied whole, or ask the patient for a new one.`, options);
	}
}

/** The patient asked to see a share link again, and it cannot be rebuilt. */
export class LinkNotRecoverableError extends CarevaultError {
	override name = 'LinkNotRecoverableError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This link cannot be shown again: ${problem} To share these records by link, revoke it and make a new one.`, options);
	}
}

/** A capsule fragment does not verify against the capsule and the patient's keys. */
export class CfragVerificationError extends CarevaultError {
	override name = 'CfragVerificationError' as const;
	readonly recordId: string | undefined;
	constructor(recordId?: string, options: { cause?: unknown } = {}) {
		super('This shared record could not be verified; it may have been tampered with.', options);
		this.recordId = recordId;
	}
}

/** Granting to an address that published no keys: nothing can be sealed to it. */
export class GranteeNotRegisteredError extends CarevaultError {
	override name = 'GranteeNotRegisteredError' as const;
	readonly grantee: string;
	constructor(grantee: string, options: { cause?: unknown } = {}) {
		super(`${grantee} has not published Carevault keys, so nothing can be shared with it. Ask them to create a vault first.`, options);
		this.grantee = grantee;
	}
}

/**
 * The bundle does not match the commitment the patient published on-chain for
 * this grant: someone other than the patient made or changed it (scope, key
 * epochs, records), or it belongs to another grant. Nothing from it is shown.
 */
export class GrantCommitmentMismatchError extends CarevaultError {
	override name = 'GrantCommitmentMismatchError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('This share does not match what the patient signed on-chain; it was not shown.', options);
	}
}

/** A grant or share request the caller cannot act on (empty scope, unknown grant, bad expiry …). */
export class ShareInputError extends CarevaultError {
	override name = 'ShareInputError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(problem, options);
	}
}

/** A shared bundle that is missing, unreadable, or not for this recipient. */
export class ShareUnavailableError extends CarevaultError {
	override name = 'ShareUnavailableError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`The shared records cannot be opened: ${problem}`, options);
	}
}

export function formatExpiry(expiresAt: number): string {
	return new Date(expiresAt * 1000).toLocaleString('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}
