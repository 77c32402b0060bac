/**
 * Ports for the provider workflow: provider profiles (KeyRegistry) and the
 * proposal mailbox (Proposals contract). The chain only ever sees sealed
 * payloads: what a proposal contains is the use cases' business, sealed to the
 * patient's inbox key before it reaches `propose`.
 */
import type { Hex } from './ports';

/** Provider roles, in the order of the contract's `ProviderRole` enum (index = on-chain value). */
export const PROVIDER_ROLES = ['physician', 'lab', 'pharmacy', 'insurer', 'other', 'researcher'] as const;
export type ProviderRole = (typeof PROVIDER_ROLES)[number];

/** Longest display name the registry accepts, in UTF-8 bytes (not characters). */
export const PROVIDER_NAME_MAX_BYTES = 64;
/** Longest sealed proposal payload the contract accepts, in bytes. */
export const PROPOSAL_PAYLOAD_MAX_BYTES = 8192;

/** What a provider registered. The name is provider-supplied text: render it as text only. */
export interface ProviderProfile {
	address: Hex;
	name: string;
	role: ProviderRole;
	/** Unix seconds of the last registration. */
	updatedAt: number;
}

export type ProposalStatus = 'pending' | 'accepted' | 'rejected';

/** One proposal as rebuilt from chain events. */
export interface ProposalEntry {
	/** Contract-wide id (counts up from 0). */
	id: bigint;
	provider: Hex;
	patient: Hex;
	/** Opaque ciphertext sealed to the patient's inbox key. */
	sealedPayload: Uint8Array;
	status: ProposalStatus;
	/** Block and transaction of the proposal itself. */
	blockNumber: bigint;
	txHash: Hex;
	/** Unix seconds of the decision; absent while pending. */
	decidedAt?: number;
	/** Transaction of the decision; absent while pending. */
	decisionTxHash?: Hex;
	/** Accepted only: the vault batch root the patient named when accepting (zero hash when none). */
	anchorRoot?: Hex;
}

/** A proposal's current on-chain state (the contract's `proposalOf`). */
export interface ProposalState {
	id: bigint;
	provider: Hex;
	patient: Hex;
	status: ProposalStatus;
	/** Unix seconds of the decision; absent while pending. */
	decidedAt?: number;
}

/** Provider profiles. Registering needs published keys first (the contract refuses otherwise). */
export interface ProviderDirectory {
	/** Registers the sending account as a provider, or updates its profile. Resolves with the transaction hash. */
	registerProvider(profile: { name: string; role: ProviderRole }): Promise<Hex>;
	/** The profile `address` registered, or null when it is not a provider. */
	readProvider(address: Hex): Promise<ProviderProfile | null>;
}

/** The proposal mailbox: providers propose, the addressed patient decides once. */
export interface ProposalMailbox {
	/**
	 * Sends a sealed proposal from the sending account (a registered provider)
	 * to `patient` (who must have published keys). Resolves once mined, with the new id.
	 * NotARegisteredProviderError / PatientNotRegisteredError when the contract refuses for those reasons.
	 */
	propose(params: { patient: Hex; sealedPayload: Uint8Array }): Promise<{ hash: Hex; id: bigint }>;
	/** Accepts proposal `id` as its patient; `anchorRoot` names the vault batch holding the record. */
	accept(params: { id: bigint; anchorRoot?: Hex }): Promise<Hex>;
	/** Rejects proposal `id` as its patient. */
	reject(params: { id: bigint }): Promise<Hex>;
	/** Current state of proposal `id`, or null when no proposal has that id. */
	readProposal(id: bigint): Promise<ProposalState | null>;
	/** Proposals addressed to `patient`, oldest first, with their decisions. */
	listForPatient(patient: Hex, options?: { fromBlock?: bigint }): Promise<ProposalEntry[]>;
	/** Proposals `provider` made, oldest first, with the patients' decisions. */
	listByProvider(provider: Hex, options?: { fromBlock?: bigint }): Promise<ProposalEntry[]>;
}

/** Both, as one chain adapter. */
export interface ProviderChain extends ProviderDirectory, ProposalMailbox {}
