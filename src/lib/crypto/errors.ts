import { CarevaultError } from '../errors';

/**
 * Any failure to authenticate ciphertext: tampered, truncated, reordered,
 * wrong key or wrong associated data. It deliberately does not say which, so
 * that an attacker probing a record learns nothing from the error.
 */
export class DecryptionFailedError extends CarevaultError {
	override name = 'DecryptionFailedError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('This record was altered or is incomplete; it cannot be opened.', options);
	}
}

/** The unlock key (wallet signature, passphrase or recovery code) opens no slot of the vault header. */
export class WrongKeyError extends CarevaultError {
	override name = 'WrongKeyError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('That key does not open this vault.', options);
	}
}

/**
 * A programming error at a crypto boundary: wrong type or length. The message
 * is exact ("key: expected Uint8Array of length 32, got length=31") because
 * it is meant for the developer who passed it.
 */
export class InvalidInputError extends CarevaultError {
	override name = 'InvalidInputError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(problem, options);
	}
}

/** The wallet signed the same unlock message twice with different results. */
export class NonDeterministicSignerError extends CarevaultError {
	override name = 'NonDeterministicSignerError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super(
			'Your wallet gave two different signatures for the same message, so it cannot unlock a vault reliably. Use a passphrase instead.',
			options
		);
	}
}

/** A signature that does not verify to the address that should have made it. */
export class SignatureMismatchError extends CarevaultError {
	override name = 'SignatureMismatchError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super('This signature was not made by the connected wallet. Switch to the right account and try again.', options);
	}
}

/** A recovery code with a typo (wrong length, unknown character or failed checksum). */
export class RecoveryCodeInvalidError extends CarevaultError {
	override name = 'RecoveryCodeInvalidError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super('This recovery code has a typo. Check each group of characters against your printed copy and try again.', options);
	}
}

/** The stored vault header cannot be parsed: damaged copy or unknown format. */
export class VaultHeaderCorruptError extends CarevaultError {
	override name = 'VaultHeaderCorruptError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super('The locked vault key could not be read; this copy is damaged or from a newer version of Carevault.', options);
	}
}

/** A vault header in a format this version no longer opens. */
export class VaultHeaderOutdatedError extends CarevaultError {
	override name = 'VaultHeaderOutdatedError' as const;
	constructor(version: unknown, options: { cause?: unknown } = {}) {
		super(
			`This vault was created by an early test version of Carevault (vault format ${JSON.stringify(version)}), whose wallet unlock message was not a valid sign-in message. This version cannot open it: create a new vault with another account on a fresh test chain.`,
			options
		);
	}
}

/** Keys used after the vault was locked (wiped), or a use case reached for a vault that is not open. */
export class VaultLockedError extends CarevaultError {
	override name = 'VaultLockedError' as const;
	constructor() {
		super('This vault is locked. Unlock it again to continue.');
	}
}
