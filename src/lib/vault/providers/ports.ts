import type { Hex } from '../ports';

/** One EAS attestation of a provider's identity, as read from the chain (validity not judged here). */
export interface ProviderAttestation {
	uid: Hex;
	schema: Hex;
	recipient: Hex;
	attester: Hex;
	/** Unix seconds. */
	time: number;
	/** Unix seconds; 0 = never expires. */
	expirationTime: number;
	/** Unix seconds; 0 = not revoked. */
	revocationTime: number;
	/** Attested fields: attester-supplied text, render as text. */
	name: string;
	role: string;
	licenceId: string;
}

/** Reads provider-identity attestations (EAS). */
export interface AttestationReader {
	/** Attestations of `schema` to `provider` made by any of `attesters`, oldest first. */
	providerAttestations(params: { provider: Hex; attesters: readonly Hex[]; schema: Hex }): Promise<ProviderAttestation[]>;
	/** Attestations of `schema` made by any of `attesters`, to anyone, oldest first (the directory of verified providers). */
	attestationsBy(params: { attesters: readonly Hex[]; schema: Hex }): Promise<ProviderAttestation[]>;
	/**
	 * The chain's current time (latest block timestamp, Unix seconds). EAS stamps
	 * and expires attestations by block time, so validity is judged by this
	 * clock, not the device's (which may be off, or behind a test chain's).
	 */
	chainTime(): Promise<number>;
}
