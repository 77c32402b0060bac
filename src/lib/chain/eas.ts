import { parseAbi } from 'viem';

/**
 * The part of the Ethereum Attestation Service (EAS v1.x, npm
 * @ethereum-attestation-service/eas-contracts) the app reads: the Attested
 * event (recipient, attester and schema are indexed, so one log query finds a
 * provider's attestations from given attesters) and getAttestation, which says
 * whether an attestation was revoked since.
 */
export const easAbi = parseAbi([
	'event Attested(address indexed recipient, address indexed attester, bytes32 uid, bytes32 indexed schemaUID)',
	'struct Attestation { bytes32 uid; bytes32 schema; uint64 time; uint64 expirationTime; uint64 revocationTime; bytes32 refUID; address recipient; address attester; bool revocable; bytes data; }',
	'function getAttestation(bytes32 uid) view returns (Attestation)'
]);

/** ABI types of the provider-identity schema `string name,string role,string licenceId`. */
export const PROVIDER_SCHEMA_TYPES = [{ type: 'string' }, { type: 'string' }, { type: 'string' }] as const;
