/**
 * Port for consent and sharing (Grants contract). The chain only stores what
 * `isActive` needs; the sealed bundle pointer lives in events, so a grant costs
 * the same whatever the number of records it covers.
 */
import type { Hex } from './ports';

export interface GrantState {
	id: bigint;
	patient: Hex;
	grantee: Hex;
	/** bytes32 grant commitment (vault/sharing/commitment.ts): binds parties, expiry, scope, key epochs and bundle; salted, so it hides them. */
	commitment: Hex;
	/** Unix seconds; 0 = no expiry. */
	expiresAt: number;
	revoked: boolean;
	/** isActive at the chain's latest block time: not revoked and (expiresAt == 0 or block.timestamp < expiresAt). */
	active: boolean;
	/** Opaque: the bundle pointer sealed to the grantee's X25519 key (sealTo). Latest version. */
	sealedPointer: Uint8Array;
	/** Block number of the grant and of the last pointer update. */
	grantedBlock: bigint;
}

export interface AccessRequestState {
	id: bigint;
	requester: Hex;
	patient: Hex;
	/** Sealed to the patient's inbox key: { reason, categories }. */
	sealedRequest: Uint8Array;
	status: 'pending' | 'approved' | 'declined';
	/** Grant created on approval, if any. */
	grantId?: bigint;
}

export interface GrantChain {
	/** One transaction per grant, whatever the number of records. Returns the new grant id (from the event). ShareInputError when the chain's clock is already past `expiresAt`. */
	grant(p: {
		grantee: Hex;
		expiresAt: number;
		sealedPointer: Uint8Array;
		commitment: Hex;
	}): Promise<{ hash: Hex; id: bigint }>;
	/** Patient only, active grants only (else GrantRevokedError / GrantExpiredError): replaces the sealed pointer (new records reach the grantee). */
	updatePointer(p: { id: bigint; sealedPointer: Uint8Array; commitment: Hex }): Promise<Hex>;
	/** Patient only. */
	revoke(p: { id: bigint }): Promise<Hex>;
	/**
	 * Grantee only, active grants only (else GrantRevokedError / GrantExpiredError): records in the
	 * patient's audit trail that this account's app opened `count` records of grant `id`. Sent by
	 * the grantee's own app, signed by its wallet: the patient cannot enforce it.
	 */
	reportAccess(p: { id: bigint; count: number }): Promise<Hex>;
	readGrant(id: bigint): Promise<GrantState | null>;
	listGrantsByPatient(patient: Hex): Promise<GrantState[]>;
	listGrantsForGrantee(grantee: Hex): Promise<GrantState[]>;
	/** Registered providers only (KeyRegistry.isProvider), else NotARegisteredProviderError; PatientNotRegisteredError for a patient without keys. */
	requestAccess(p: { patient: Hex; sealedRequest: Uint8Array }): Promise<{ hash: Hex; id: bigint }>;
	/**
	 * Patient only, pending requests only: ONE transaction grants the requester recorded on-chain
	 * (never anyone else) and answers the request with that grant. Returns the new grant id.
	 * ShareInputError when the chain's clock is already past `expiresAt`.
	 */
	approveRequest(p: { id: bigint; expiresAt: number; sealedPointer: Uint8Array; commitment: Hex }): Promise<{ hash: Hex; grantId: bigint }>;
	/** Patient only, pending requests only. */
	declineRequest(p: { id: bigint }): Promise<Hex>;
	listRequestsForPatient(patient: Hex): Promise<AccessRequestState[]>;
	listRequestsByRequester(requester: Hex): Promise<AccessRequestState[]>;
}
