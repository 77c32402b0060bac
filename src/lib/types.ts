/**
 * Types every layer shares, at the bottom with errors.ts: nothing here imports
 * anything, so crypto, records, vault and the adapters can all name them.
 */

/** 0x-prefixed hex: an account address, a hash, a transaction. */
export type Hex = `0x${string}`;

/** Public keys a person publishes in the key registry. */
export interface PublicKeys {
	/** X25519 public key for sealed boxes (32 bytes). */
	inbox: Uint8Array;
	/** Ed25519 public key for manifest signatures (32 bytes). */
	signing: Uint8Array;
	/** Umbral (secp256k1, compressed 33 bytes) public key to receive re-encrypted capsules. */
	umbral: Uint8Array;
}

/** A FHIR R4 resource as parsed JSON: only its type is known before validation. */
export type FhirResource = { resourceType: string; id?: string; [key: string]: unknown };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Whether `value` is a 20-byte account address (0x and 40 hex digits, any case). */
export function isAddress(value: unknown): value is Hex {
	return typeof value === 'string' && ADDRESS.test(value);
}
