import { CarevaultError } from '../../errors';
import type { OpenVault } from '../deps';

/** The address a provider typed has no published keys: nothing can be sealed to it. */
export class PatientNotRegisteredError extends CarevaultError {
	override name = 'PatientNotRegisteredError' as const;
	readonly patient: string;
	constructor(patient: string, options: { cause?: unknown } = {}) {
		super(
			`${patient} has no Carevault vault, so nothing can be sent to it. Check the address with your patient; they must create a vault first.`,
			options
		);
		this.patient = patient;
	}
}

/** The patient field is not an Ethereum address. */
export class InvalidPatientAddressError extends CarevaultError {
	override name = 'InvalidPatientAddressError' as const;
	constructor(value: string) {
		super(`"${value.slice(0, 60)}" is not an account address. A patient's address starts with 0x followed by 40 hexadecimal characters.`);
	}
}

/** Proposing (or anything provider-only) from an account that did not register as a provider. */
export class NotARegisteredProviderError extends CarevaultError {
	override name = 'NotARegisteredProviderError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('This account is not registered as a provider. Register your name and role first, then send the record again.', options);
	}
}

/** Registering as a provider needs published keys, which creating a vault does. */
export class ProviderVaultMissingError extends CarevaultError {
	override name = 'ProviderVaultMissingError' as const;
	constructor() {
		super('Create your own vault first: it publishes the keys patients use to check that records really come from you.');
	}
}

/** A display name the registry would refuse. */
export class ProviderNameInvalidError extends CarevaultError {
	override name = 'ProviderNameInvalidError' as const;
	constructor(problem: string) {
		super(`The provider name ${problem}`);
	}
}

/** What the provider filled in cannot become a proposal (no files, no title, bad date …). */
export class ProposalInputError extends CarevaultError {
	override name = 'ProposalInputError' as const;
	constructor(problem: string) {
		super(problem);
	}
}

/** Accepting a proposal that was flagged: it may not come from who it claims, or was altered. */
export class ProposalFlaggedError extends CarevaultError {
	override name = 'ProposalFlaggedError' as const;
	constructor(problem: string) {
		super(`This proposal cannot be accepted: ${problem} You can reject it.`);
	}
}

/** A proposal of FHIR content that cannot be read: accepting it would put an unreadable record in the vault. */
export class ProposalInvalidFhirError extends CarevaultError {
	override name = 'ProposalInvalidFhirError' as const;
	constructor(problem: string) {
		super(`This proposal cannot be accepted: ${problem} Nothing was added to your vault. You can reject it, or ask the provider to send it again.`);
	}
}

/** Deciding on a proposal that is no longer pending. */
export class ProposalAlreadyDecidedError extends CarevaultError {
	override name = 'ProposalAlreadyDecidedError' as const;
	constructor(id: bigint, status: string) {
		super(`Proposal #${id} was already ${status}. Nothing was changed.`);
	}
}

/**
 * The record landed in the vault, but the on-chain "accepted" decision did
 * not go through: only the decision needs sending again.
 */
export class DecisionNotSentError extends CarevaultError {
	override name = 'DecisionNotSentError' as const;
	/** The vault with the record added: keep it, the commit already landed. */
	readonly vault: OpenVault;
	constructor(vault: OpenVault, options: { cause?: unknown } = {}) {
		super(
			'The record is now in your vault, but the "accepted" answer to the provider was not sent. Send the decision again; the record will not be added twice.',
			options
		);
		this.vault = vault;
	}
}
