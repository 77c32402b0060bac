import { CarevaultError } from '../../errors';

/** The patient named no guardians (or turned emergency access off): no request can be opened. */
export class NoGuardiansError extends CarevaultError {
	override name = 'NoGuardiansError' as const;
	constructor(patient: string, options: { cause?: unknown } = {}) {
		super(`${patient} has not set up emergency access (no guardians), so no emergency request can be sent. Use another way to reach the patient's records.`, options);
	}
}

/** A guardian set-up the patient asked for cannot be made. */
export class GuardianSetupError extends CarevaultError {
	override name = 'GuardianSetupError' as const;
}

/** The account is not a guardian of this request's patient (in the request's key epoch). */
export class NotAGuardianError extends CarevaultError {
	override name = 'NotAGuardianError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('You are not a guardian of this patient for this request, so you cannot approve it or release a share.', options);
	}
}

/** The request cannot take this step now (already decided, cancelled, not yet finalized...). */
export class EmergencyRequestStateError extends CarevaultError {
	override name = 'EmergencyRequestStateError' as const;
}

/** Fewer shares than the threshold have been released: the scope stays closed. */
export class EmergencySharesMissingError extends CarevaultError {
	override name = 'EmergencySharesMissingError' as const;
	readonly have: number;
	readonly need: number;
	constructor(have: number, need: number) {
		super(`${have} of the ${need} key shares needed have arrived. The emergency information opens when ${need} guardians have released their shares.`);
		this.have = have;
		this.need = need;
	}
}

/** The shares rebuilt a key that is not the patient's (a wrong, damaged or foreign share). */
export class EmergencySharesMismatchError extends CarevaultError {
	override name = 'EmergencySharesMismatchError' as const;
	constructor() {
		super('The key shares received do not fit together: one is wrong or damaged, so the emergency information cannot be opened. Ask the guardians to release again, or reach the patient another way.');
	}
}

/** The emergency scope (or a share) is malformed or was not made for this patient, epoch or request. */
export class EmergencyScopeInvalidError extends CarevaultError {
	override name = 'EmergencyScopeInvalidError' as const;
	constructor(what: string, options: { cause?: unknown } = {}) {
		super(`The ${what} cannot be read: it was altered or was not made for this request. Nothing from it is shown.`, options);
	}
}

/** The site's config names no EmergencyAccess contract. */
export class EmergencyUnavailableError extends CarevaultError {
	override name = 'EmergencyUnavailableError' as const;
	constructor() {
		super('This site has no emergency access contract on its chain, so emergency access is not available here.');
	}
}
