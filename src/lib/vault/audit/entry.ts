/**
 * One line of the patient's audit trail, decoded from a chain event (and, where
 * the patient can open it, the sealed payload the event points to). Every
 * source of events (vault batches, proposals, grants, links, access reports,
 * emergency access, research consent) turns its logs into these, so the Audit
 * page, its filters and its CSV / FHIR AuditEvent exports treat them alike.
 */
export type AuditKind =
	| 'records-added'
	| 'record-proposed'
	| 'proposal-accepted'
	| 'proposal-rejected'
	| 'grant-made'
	| 'grant-extended'
	| 'grant-expired'
	| 'grant-revoked'
	| 'link-made'
	| 'link-revoked'
	| 'access-requested'
	| 'access-answered'
	| 'access-reported'
	| 'emergency-guardians-set'
	| 'emergency-requested'
	| 'emergency-approved'
	| 'emergency-cancelled'
	| 'emergency-finalized'
	| 'emergency-released'
	| 'research-consent-given'
	| 'research-consent-withdrawn';

export type Address = `0x${string}`;

export interface AuditEntry {
	kind: AuditKind;
	/** Who acted: the account that sent the transaction or that the event names as the actor. */
	actor: Address;
	/** Whom it concerns besides the actor (grantee, guardian, provider, researcher), when anyone. */
	counterparty?: Address;
	/** Plain words for the patient, without names (the page adds verified names): "3 records added". */
	summary: string;
	blockNumber: bigint;
	/** Block time, seconds since the Unix epoch (for a derived entry such as an expiry: the moment it took effect). */
	timestamp: number;
	/** The transaction; absent for an entry no transaction made (a grant's expiry, derived from its end time). */
	transactionHash?: `0x${string}`;
	/** Position of the log in its block: with blockNumber, the order of the trail (-1: before the block's transactions). */
	logIndex: number;
	/**
	 * What the entry is about, when it has an on-chain id ("grant" 4, "proposal" 2, "request" 1,
	 * "batch" 0): lets the page add what only the patient's vault knows (a share link's label).
	 */
	subject?: { type: string; id: bigint };
}

/**
 * Where audit entries come from: one per contract or feature. `read` returns the
 * entries concerning `patient` in the inclusive block range, oldest first, so a
 * cache can ask only for blocks it has not seen.
 */
export interface AuditSource {
	/** Stable name, used as the cache key of this source's entries. */
	readonly name: string;
	read(patient: Address, range: { fromBlock: bigint; toBlock: bigint }, signal?: AbortSignal): Promise<AuditEntry[]>;
}

/** Oldest first, ties broken by position in the block. */
export function compareAuditEntries(a: AuditEntry, b: AuditEntry): number {
	if (a.blockNumber !== b.blockNumber) return a.blockNumber < b.blockNumber ? -1 : 1;
	return a.logIndex - b.logIndex;
}
