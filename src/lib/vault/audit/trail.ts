/**
 * The patient's audit trail: every source's entries, in chain order, with
 * what only the vault knows added (which grants are share links, and the
 * patient's own label for them). A source that fails is named, and the
 * others still show: one unreachable contract never hides the whole trail.
 */
import type { VaultIndex } from '../../records/model';
import { compareAuditEntries, type Address, type AuditEntry, type AuditKind, type AuditSource } from './entry';

export interface AuditTrail {
	entries: AuditEntry[];
	/** Sources that could not be read, with why (the page says so; their entries are missing). */
	failed: { source: string; error: unknown }[];
	/** The block every source was read up to. */
	toBlock: bigint;
}

export interface AuditTrailDeps {
	sources: readonly AuditSource[];
	/** The latest block, read once so every source ends at the same one. */
	latestBlock(): Promise<bigint>;
}

/**
 * Reads every source from `fromBlock` to the latest block (the chain reader
 * under them keeps a sealed cursor, so a second visit reads only new blocks).
 *
 * @example
 * const { entries, failed } = await readAuditTrail({ sources, latestBlock }, vault, { fromBlock: 0n })
 */
export async function readAuditTrail(
	deps: AuditTrailDeps,
	vault: { address: Address; index: Pick<VaultIndex, 'grants'> },
	{ fromBlock = 0n, signal, onSourceDone }: { fromBlock?: bigint; signal?: AbortSignal; onSourceDone?: (done: number, total: number) => void } = {}
): Promise<AuditTrail> {
	const toBlock = await deps.latestBlock();
	const failed: AuditTrail['failed'] = [];
	let done = 0;
	const read = await Promise.all(
		deps.sources.map(async (source) => {
			try {
				return await source.read(vault.address, { fromBlock, toBlock }, signal);
			} catch (error) {
				if (signal?.aborted) throw error;
				failed.push({ source: source.name, error });
				return [];
			} finally {
				onSourceDone?.(++done, deps.sources.length);
			}
		})
	);
	return { entries: withVaultKnowledge(read.flat(), vault.index).sort(compareAuditEntries), failed, toBlock };
}

/** Grants the vault lists as share links become link entries, with the patient's label. */
export function withVaultKnowledge(entries: AuditEntry[], index: Pick<VaultIndex, 'grants'>): AuditEntry[] {
	const grants = new Map((index.grants ?? []).map((g) => [g.id, g]));
	return entries.map((e) => {
		if (e.subject?.type !== 'grant') return e;
		const g = grants.get(e.subject.id.toString());
		if (!g) return e;
		const label = g.label ? ` "${g.label}"` : '';
		if (g.kind === 'link') {
			if (e.kind === 'grant-made') return { ...e, kind: 'link-made', summary: `Made share link${label} (grant #${e.subject.id})` };
			if (e.kind === 'grant-revoked') return { ...e, kind: 'link-revoked', summary: `Revoked share link${label} (grant #${e.subject.id})` };
			return { ...e, summary: `${e.summary} (share link${label})` };
		}
		return label ? { ...e, summary: `${e.summary} (${g.label})` } : e;
	});
}

export interface AuditFilter {
	/** Entries where this account acted or was concerned. */
	person?: string;
	kinds?: readonly AuditKind[];
	/** Inclusive, seconds since the Unix epoch. */
	from?: number;
	to?: number;
}

export function filterAudit(entries: readonly AuditEntry[], f: AuditFilter): AuditEntry[] {
	const person = f.person?.toLowerCase();
	const kinds = f.kinds && f.kinds.length > 0 ? new Set(f.kinds) : null;
	return entries.filter(
		(e) =>
			(!person || e.actor.toLowerCase() === person || e.counterparty?.toLowerCase() === person) &&
			(!kinds || kinds.has(e.kind)) &&
			(f.from === undefined || e.timestamp >= f.from) &&
			(f.to === undefined || e.timestamp <= f.to)
	);
}

/** Everyone in the entries (actors and counterparties), once each, in order of first appearance. */
export function peopleOf(entries: readonly AuditEntry[]): Address[] {
	const seen = new Map<string, Address>();
	for (const e of entries) for (const a of [e.actor, e.counterparty]) if (a && !seen.has(a.toLowerCase())) seen.set(a.toLowerCase(), a);
	return [...seen.values()];
}

/** Plain words for each kind, for filters and exports. */
export const AUDIT_KIND_LABELS: Record<AuditKind, string> = {
	'records-added': 'Records added',
	'record-proposed': 'Record proposed',
	'proposal-accepted': 'Proposal accepted',
	'proposal-rejected': 'Proposal rejected',
	'grant-made': 'Access granted',
	'grant-extended': 'Grant extended',
	'grant-expired': 'Grant expired',
	'grant-revoked': 'Grant revoked',
	'link-made': 'Share link made',
	'link-revoked': 'Share link revoked',
	'access-requested': 'Access requested',
	'access-answered': 'Access request answered',
	'access-reported': 'Access reported by grantee',
	'emergency-guardians-set': 'Emergency guardians set',
	'emergency-requested': 'Emergency access requested',
	'emergency-approved': 'Emergency request approved',
	'emergency-cancelled': 'Emergency request cancelled',
	'emergency-finalized': 'Emergency request finalized',
	'emergency-released': 'Emergency share released',
	'research-consent-given': 'Research consent given',
	'research-consent-withdrawn': 'Research consent withdrawn'
};
