/**
 * A provider's FHIR proposal compared with the vault, with the rules of a
 * re-import (records/dedupe.ts): each resource is new, an update of one the
 * vault holds, or already present. Accepting adds only what is new or updated
 * (inbox.ts acceptProposal); the inbox shows the same verdict before the
 * patient decides.
 */
import { concatBytes, fromBase64 } from '../../crypto/encoding';
import { planImport, type ImportPlan, type KnownResource } from '../../records/dedupe';
import { summarizeResource } from '../../records/fhir/import';
import type { FhirResource } from '../../types';
import { decryptAttachment } from '../decryptAttachment';
import type { FhirRecordsContent, UnreadableRecord } from '../fhirRecords';
import { isFhirAttachment, readFhirBytes } from '../fhirRecords';
import type { Hex } from '../ports';
import type { ProposalDeps } from './deps';
import type { ProposalPayload } from './payload';

export type ProposalResourceStatus = 'new' | 'updated' | 'present';

export interface ProposalResourceLine {
	resourceType: string;
	/** The resource's id, when it has one (provider-supplied text). */
	id?: string;
	/** What it is, in words (provider-supplied text: render as text). */
	title: string;
	status: ProposalResourceStatus;
	/** Present because the vault holds a newer version (this one is older). */
	older?: boolean;
}

export interface ProposalDedupe {
	/** One line per resource of the proposal, in its order. */
	lines: ProposalResourceLine[];
	counts: Record<ProposalResourceStatus, number>;
	plan: ImportPlan;
	/** Vault records that could not be read, so the proposal was not compared with them. */
	unreadable: UnreadableRecord[];
}

/** The source a provider's records carry in the vault (and the source system of their resources without meta.source). */
export function proposalSource(provider: { address: Hex; name?: string }): string {
	return `${provider.name ?? 'Unknown provider'} (${provider.address})`;
}

/** Decrypts the proposal's FHIR attachments and reads their resources (throws DecryptionFailedError if one was altered). */
export async function readProposalResources(
	deps: Pick<ProposalDeps, 'blobs'>,
	payload: ProposalPayload,
	options: { signal?: AbortSignal } = {}
): Promise<FhirResource[]> {
	if (payload.kind !== 'fhir') return [];
	const out: FhirResource[] = [];
	for (const a of payload.attachments) {
		if (!isFhirAttachment(a.type, a.name) && !/\.json$/i.test(a.name)) continue;
		const parts: Uint8Array[] = [];
		for await (const p of decryptAttachment(deps.blobs, a, fromBase64(a.dek), options)) parts.push(p);
		out.push(...readFhirBytes(concatBytes(...parts)).resources);
	}
	return out;
}

/** The verdict for `incoming` (a proposal's resources from `source`) against the vault's current content. */
export function planProposal(content: FhirRecordsContent, incoming: readonly FhirResource[], source: string): ProposalDedupe {
	const known: KnownResource[] = content.resources.map((r) => ({ resource: r.resource, recordSource: r.source, ref: r.ref }));
	const plan = planImport(known, incoming, source);
	const updated = new Set(plan.updated.map((u) => u.resource));
	const present = new Map(plan.present.map((p) => [p.resource, p.older] as const));
	const counts = { new: 0, updated: 0, present: 0 };
	const lines = incoming.map((resource, i): ProposalResourceLine => {
		const status: ProposalResourceStatus = present.has(resource) ? 'present' : updated.has(resource) ? 'updated' : 'new';
		counts[status]++;
		const summary = summarizeResource(resource, `${resource.resourceType}-${i + 1}`);
		return {
			resourceType: resource.resourceType,
			...(typeof resource.id === 'string' ? { id: resource.id } : {}),
			title: summary.title,
			status,
			...(present.get(resource) ? { older: true } : {})
		};
	});
	return { lines, counts, plan, unreadable: content.unreadable };
}

/** "2 new, 1 updated, 3 already present" (parts that are zero left out; "nothing" when empty). */
export function dedupeText(counts: Record<ProposalResourceStatus, number>): string {
	const parts = [
		counts.new ? `${counts.new} new` : '',
		counts.updated ? `${counts.updated} updated` : '',
		counts.present ? `${counts.present} already present` : ''
	].filter(Boolean);
	return parts.length ? parts.join(', ') : 'nothing';
}
