import { CarevaultError, describeAttempts, type SourceAttempt } from '../errors';

/**
 * The blocks of a CID are neither in the local blockstore nor obtainable from
 * any configured peer or gateway before the time limit. Covers "no peers",
 * "peer does not have it" and "timed out": from the patient's side they call
 * for the same action. `attempts` names every peer and gateway that was asked
 * and what each answered, and the message lists them.
 */
export class BlobNotFoundError extends CarevaultError {
	override name = 'BlobNotFoundError' as const;
	readonly cid: string;
	readonly attempts: readonly SourceAttempt[];
	constructor(cid: string, options: { cause?: unknown; attempts?: readonly SourceAttempt[] } = {}) {
		const attempts = options.attempts ?? [];
		super(
			attempts.length === 0
				? 'This data could not be found on this device, and this site names no IPFS peer or gateway to fetch it from.'
				: `This data could not be found on this device or at any IPFS source this site names. Tried: ${describeAttempts(attempts)}. Check that one of them is reachable, then try again.`,
			{ cause: options.cause, details: `cid: ${cid}` }
		);
		this.cid = cid;
		this.attempts = attempts;
	}
}

/** A string that does not parse as a CID reached the blob store (a bad link or a corrupted index). */
export class InvalidCidError extends CarevaultError {
	override name = 'InvalidCidError' as const;
	readonly input: string;
	constructor(input: string, options: { cause?: unknown } = {}) {
		super('This link to stored data is malformed, so the data cannot be opened.', {
			...options,
			details: `not a CID: ${JSON.stringify(input.slice(0, 120))}`
		});
		this.input = input;
	}
}

/** The local IPFS node could not start at all (for example IndexedDB is blocked in a private window). */
export class IpfsStartError extends CarevaultError {
	override name = 'IpfsStartError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super(
			'Local storage for your records could not be opened. Allow site data for this page (private windows may block it), then reload.',
			options
		);
	}
}

/**
 * Encrypted data could not be written to this device's storage. Nothing new
 * was saved; what was stored before is untouched.
 */
export class BlobWriteError extends CarevaultError {
	override name = 'BlobWriteError' as const;
	readonly quota: boolean;
	constructor(quota: boolean, options: { cause?: unknown } = {}) {
		super(
			quota
				? "This browser's storage for Carevault is full, so nothing was added. Free some disk space or allow this site more storage, then try again."
				: "Your records could not be saved in this browser's storage, so nothing was added. Reload the page and try again; if it keeps failing, check that site data is allowed.",
			options
		);
		this.quota = quota;
	}
}

/** An unpin this store cannot do (a multi-block blob, or a store without unpinning). */
export class UnpinNotPossibleError extends CarevaultError {
	override name = 'UnpinNotPossibleError' as const;
	constructor(reason: string, options: { cause?: unknown } = {}) {
		super(`This file cannot be unpinned here: ${reason}.`, options);
	}
}
