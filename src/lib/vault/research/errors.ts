import { CarevaultError } from '../../errors';

/** The site names no ResearchConsent contract. */
export class ResearchUnavailableError extends CarevaultError {
	override name = 'ResearchUnavailableError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Research is not offered on this site (it names no research consent contract).', options);
	}
}

/** The study's description or dates are not acceptable. */
export class StudyInputError extends CarevaultError {
	override name = 'StudyInputError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`The study cannot be registered: ${problem}`, options);
	}
}

/** Only an account registered with the researcher role may register studies. */
export class NotAResearcherError extends CarevaultError {
	override name = 'NotAResearcherError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('This account is not registered as a researcher. Register your name with the researcher role first.', options);
	}
}

/** The study has ended: nothing more is released to it. */
export class StudyEndedError extends CarevaultError {
	override name = 'StudyEndedError' as const;
	readonly studyId: bigint;
	constructor(studyId: bigint, options: { cause?: unknown } = {}) {
		super(`Study #${studyId} has ended. Nothing more is released to it.`, options);
		this.studyId = studyId;
	}
}

/** The patient withdrew (or never gave) consent to the study: nothing is released. */
export class ConsentNotActiveError extends CarevaultError {
	override name = 'ConsentNotActiveError' as const;
	readonly studyId: bigint;
	constructor(studyId: bigint, options: { cause?: unknown } = {}) {
		super(`You do not consent to study #${studyId} (you withdrew, or never opted in), so nothing is released to it.`, options);
		this.studyId = studyId;
	}
}

/** The patient already consents to this study. */
export class ConsentAlreadyGivenError extends CarevaultError {
	override name = 'ConsentAlreadyGivenError' as const;
	constructor(studyId: bigint, options: { cause?: unknown } = {}) {
		super(`You already take part in study #${studyId}.`, options);
	}
}

/** The researcher never published keys, so nothing can be sealed to it. */
export class ResearcherKeysMissingError extends CarevaultError {
	override name = 'ResearcherKeysMissingError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('This study’s researcher has published no keys, so nothing can be sealed to them. Nothing was released.', options);
	}
}

/** A release cannot be opened: not sealed to this researcher, altered, or not a FHIR Bundle. */
export class ReleaseUnreadableError extends CarevaultError {
	override name = 'ReleaseUnreadableError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This release cannot be opened: ${problem}`, options);
	}
}

/** Nothing in the vault falls in the study's categories. */
export class NothingToReleaseError extends CarevaultError {
	override name = 'NothingToReleaseError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('Your vault holds no FHIR data in the categories this study asks for, so there is nothing to share. Nothing was released.', options);
	}
}
