import { CarevaultError } from '../../errors';

const when = (exp: number) => new Date(exp * 1000).toLocaleString();

/** The text is not a SMART Health Link this viewer can read. */
export class ShlInvalidError extends CarevaultError {
	override name = 'ShlInvalidError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This SMART Health Link cannot be opened: ${problem} Check that it was copied whole, or ask for a new one.`, options);
	}
}

/** The link's `exp` has passed. */
export class ShlExpiredError extends CarevaultError {
	override name = 'ShlExpiredError' as const;
	readonly exp: number;
	constructor(exp: number) {
		super(`This SMART Health Link expired on ${when(exp)}. Ask the person who shared it for a new one.`);
		this.exp = exp;
	}
}

/** A valid link of a kind this viewer does not open yet (passcode, manifest, long-term, newer version, other content). */
export class ShlUnsupportedError extends CarevaultError {
	override name = 'ShlUnsupportedError' as const;
	constructor(what: string, options: { cause?: unknown } = {}) {
		super(`This SMART Health Link ${what} Carevault opens only direct-file links (flag U) holding FHIR data; open it in the viewer of the service that made it.`, options);
	}
}

/** The link's file could not be fetched (gone, unreachable, too large, too slow). */
export class ShlUnavailableError extends CarevaultError {
	override name = 'ShlUnavailableError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`The data behind this SMART Health Link could not be fetched: ${problem}`, options);
	}
}

/** The file was altered, or the key in the link does not match it. Says little on purpose. */
export class ShlDecryptionFailedError extends CarevaultError {
	override name = 'ShlDecryptionFailedError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('The data behind this SMART Health Link was altered or does not match the link’s key, so nothing from it is shown.', options);
	}
}

/** The decrypted content is not FHIR Carevault can show. */
export class ShlContentError extends CarevaultError {
	override name = 'ShlContentError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This SMART Health Link holds nothing Carevault can show: ${problem}`, options);
	}
}

/** What the patient chose cannot go into one SMART Health Link. */
export class ShlCreateError extends CarevaultError {
	override name = 'ShlCreateError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`The SMART Health Link was not made: ${problem}`, options);
	}
}

/** The list of links made on this device does not open (another vault's, or damaged). */
export class ShlListUnreadableError extends CarevaultError {
	override name = 'ShlListUnreadableError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('The list of SMART Health Links made on this device could not be read, so it is shown empty. The links themselves still work until they end.', options);
	}
}

/** A link's file could not be unpinned. */
export class ShlUnpinError extends CarevaultError {
	override name = 'ShlUnpinError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`The SMART Health Link was not unpinned: ${problem}`, options);
	}
}
