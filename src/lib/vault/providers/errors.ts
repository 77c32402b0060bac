import { CarevaultError } from '../../errors';

/** A trust setting the patient typed is not usable (not an address, empty name…). */
export class TrustInputError extends CarevaultError {
	override name = 'TrustInputError' as const;
}

/** The stored trust settings do not open with this vault's keys (altered, or another vault's). */
export class TrustPreferencesUnreadableError extends CarevaultError {
	override name = 'TrustPreferencesUnreadableError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Your trusted-provider settings on this device could not be read (they were altered or belong to another vault). Re-add your trusted attesters, pins and blocks in Trusted providers.', options);
	}
}
