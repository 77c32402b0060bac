/**
 * Port for research consent (ResearchConsent contract). Study descriptions are
 * public; what a patient releases travels only as a pointer sealed to the
 * researcher, in events.
 */
import type { Category } from '../../records/model';
import type { Hex } from '../ports';

export interface Study {
	id: bigint;
	researcher: Hex;
	/** What the study is for, as the researcher wrote it (render as text). */
	purpose: string;
	categories: Category[];
	/** Unix seconds. */
	endsAt: number;
}

export interface ConsentState {
	/** Unix seconds the consent was last given, 0 when never. */
	givenAt: number;
	/** Unix seconds it was withdrawn after that, 0 when it holds. */
	withdrawnAt: number;
	/** Given, not withdrawn, and the study has not ended (at the chain's latest block). */
	active: boolean;
}

/** One consent event, as the chain recorded it. */
export interface ConsentEvent {
	kind: 'given' | 'released' | 'withdrawn';
	studyId: bigint;
	patient: Hex;
	researcher: Hex;
	/** Only for `released`: the pointer sealed to the researcher (and to the patient's own index key). */
	sealedPointer?: Uint8Array;
	blockNumber: bigint;
	/** Block time, Unix seconds. */
	timestamp: number;
	transactionHash: Hex;
	logIndex: number;
}

export interface ResearchChain {
	/** Registers a study of the sending account (a registered researcher); resolves with its id. */
	registerStudy(p: { purpose: string; categories: readonly Category[]; endsAt: number }): Promise<{ studyId: bigint; hash: Hex }>;
	/** Every registered study, oldest first. */
	listStudies(): Promise<Study[]>;
	readStudy(studyId: bigint): Promise<Study | null>;
	/** Consents and releases the first bundle, in one transaction. */
	giveConsent(p: { studyId: bigint; sealedPointer: Uint8Array }): Promise<Hex>;
	/** Another release while consent holds. */
	release(p: { studyId: bigint; sealedPointer: Uint8Array }): Promise<Hex>;
	withdrawConsent(studyId: bigint): Promise<Hex>;
	consentOf(studyId: bigint, patient: Hex): Promise<ConsentState>;
	/** Consent events concerning `patient` or `researcher`, oldest first. */
	listConsentEvents(p: { patient?: Hex; researcher?: Hex }): Promise<ConsentEvent[]>;
	/** The chain's latest block time (Unix seconds): studies end by this clock. */
	chainTime(): Promise<number>;
}
