/**
 * Port for emergency access (EmergencyAccess contract). The chain holds who,
 * when and how many; every value that could say what is in the scope (shares,
 * the scope, the reason) reaches it sealed, and only in events.
 */
import type { Hex } from '../ports';

/** One guardian set-up (a GuardiansSet event): one key epoch of one patient. */
export interface GuardianSetup {
	patient: Hex;
	epoch: number;
	guardians: Hex[];
	threshold: number;
	/** Seconds between the threshold and finalize. */
	waitingPeriod: number;
	/** Commitment to the scope key (crypto/scopeKey), 32 bytes hex. */
	keyCommitment: Hex;
	/** `sealedShares[i]`: the pointer to guardian i's share, sealed to guardian i. */
	sealedShares: Uint8Array[];
	/** salt || pointer to the scope, encrypted under the scope key; the latest of the epoch (set-up or refresh). */
	scopePointer: Uint8Array;
	blockNumber: bigint;
}

export type EmergencyStatus = 'open' | 'waiting' | 'cancelled' | 'finalized';

export interface EmergencyRequestState {
	id: bigint;
	provider: Hex;
	patient: Hex;
	/** The patient's key epoch when the request was opened. */
	epoch: number;
	status: EmergencyStatus;
	/** Block time (Unix seconds) from which it can be finalized; 0 before the threshold. */
	readyAt: number;
	/** Sealed to the patient and the epoch's guardians (vault/emergency/reason). */
	sealedReason: Uint8Array;
	/** Block time of the request. */
	openedAt: number;
	/** Guardians who approved, in order. */
	approvedBy: Hex[];
	/** Shares released, in order: each pointer is sealed to the provider. */
	releases: Array<{ guardian: Hex; sealedPointer: Uint8Array }>;
}

export interface GuardianSignature {
	v: number;
	r: Hex;
	s: Hex;
}

export interface EmergencyChain {
	/** Names the sending account's guardians: a new key epoch. Resolves once mined, with that epoch. */
	setGuardians(p: {
		guardians: Hex[];
		threshold: number;
		waitingPeriod: number;
		keyCommitment: Hex;
		sealedShares: Uint8Array[];
		scopePointer: Uint8Array;
	}): Promise<{ hash: Hex; epoch: number }>;
	/** Points the current epoch at a refreshed scope. */
	updateScope(p: { scopePointer: Uint8Array }): Promise<Hex>;
	/** The current set-up of `patient` (epoch 0 and no guardians before any; no guardians when turned off). */
	readSetup(patient: Hex): Promise<GuardianSetup | null>;
	/** Set-ups whose current epoch names `guardian`: the patients it guards. */
	listSetupsNaming(guardian: Hex): Promise<GuardianSetup[]>;
	/** Registered providers only (NotARegisteredProviderError); NoGuardiansError when the patient has none. */
	openRequest(p: { patient: Hex; sealedReason: Uint8Array }): Promise<{ hash: Hex; id: bigint }>;
	approve(p: { id: bigint }): Promise<Hex>;
	approveWithSignatures(p: { id: bigint; signatures: GuardianSignature[] }): Promise<Hex>;
	cancel(p: { id: bigint }): Promise<Hex>;
	finalize(p: { id: bigint }): Promise<Hex>;
	release(p: { id: bigint; sealedPointer: Uint8Array }): Promise<Hex>;
	readRequest(id: bigint): Promise<EmergencyRequestState | null>;
	/** Requests for a patient, or opened by a provider, oldest first. */
	listRequests(filter: { patient: Hex } | { provider: Hex }): Promise<EmergencyRequestState[]>;
	/** The latest block's time (Unix seconds): the waiting period runs on it. */
	chainTime(): Promise<number>;
	/** Accounts that published keys (who can be named a guardian), in order of first publication. */
	listKeyHolders(): Promise<Hex[]>;
}
