import { CarevaultError } from '../../errors';

const UNCHANGED = 'Nothing was imported and your vault on this device is unchanged.';

/** Not a CAR file at all, or a CAR that Carevault did not write (no backup description in it). */
export class BackupUnreadableError extends CarevaultError {
	override name = 'BackupUnreadableError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super(`This file is not a Carevault backup (a .car file made on the Backup page). ${UNCHANGED}`, options);
	}
}

/** A block's bytes do not hash to its CID, or a block cannot be decoded: the file was changed or damaged. */
export class BackupCorruptError extends CarevaultError {
	override name = 'BackupCorruptError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super(`This backup file is damaged: some of its content does not match its fingerprint. ${UNCHANGED} Use another copy of the backup.`, options);
	}
}

/** The file ends early, or blocks the vault needs are missing from it. */
export class BackupTruncatedError extends CarevaultError {
	override name = 'BackupTruncatedError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super(`This backup file is incomplete: it ends early or parts of your records are missing from it. ${UNCHANGED} Use a complete copy, or make the backup again.`, options);
	}
}

/** The backup is of another account's vault, or of a vault this account has since replaced. */
export class BackupForeignError extends CarevaultError {
	override name = 'BackupForeignError' as const;
	constructor(address: string, options: { cause?: unknown; details?: string } = {}) {
		super(`This backup is not of the vault that ${address} has on the chain. ${UNCHANGED} Connect the wallet the backup was made with, or choose that account's backup.`, options);
	}
}

/** Same vault, but the chain names a newer record index than the one in the backup. */
export class BackupOutdatedError extends CarevaultError {
	override name = 'BackupOutdatedError' as const;
	constructor(options: { cause?: unknown; details?: string } = {}) {
		super(`This backup was made before the latest change to your vault, so it does not hold your current record list. ${UNCHANGED} Use a newer backup, or restore from a remote copy.`, options);
	}
}

/** A block the backup needs is neither on this device nor delivered by a peer. */
export class BackupSourceMissingError extends CarevaultError {
	override name = 'BackupSourceMissingError' as const;
	constructor(cid: string, options: { cause?: unknown } = {}) {
		super('Part of your vault is not on this device and no copy could be reached, so the backup was not made. Open the records on this device (or connect to your remote copy) and try again.', { ...options, details: `missing block ${cid}` });
	}
}

/** The backup could not be written where the browser was asked to save it (disk full, permission withdrawn). */
export class BackupWriteError extends CarevaultError {
	override name = 'BackupWriteError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('The backup file could not be written (the disk may be full, or the browser lost permission). Free some space or choose another place, and try again.', options);
	}
}

/** This page keeps no block store of its own to back up or restore into. */
export class BackupUnavailableError extends CarevaultError {
	override name = 'BackupUnavailableError' as const;
	constructor() {
		super('Backups need this browser’s own block store, which this page does not have. Open Carevault itself (not a share link) and try again.');
	}
}
