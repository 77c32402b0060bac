/**
 * The audit trail out of the app: CSV for a spreadsheet, and FHIR R4
 * AuditEvent resources (one per entry, in a collection Bundle) for a
 * health record system. Both name people as the page does (verified name,
 * else address) and keep the address and transaction beside it.
 */
import { AUDIT_KIND_LABELS } from './trail';
import type { Address, AuditEntry, AuditKind } from './entry';

/** The name the page shows for an account (verified provider name, the patient's label), or undefined for its address. */
export type NameOf = (address: Address) => string | undefined;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

// A cell starting with one of these is a formula to a spreadsheet: shown as text instead.
const FORMULA = /^[=+\-@\t\r]/;

function cell(value: string): string {
	const safe = FORMULA.test(value) ? `'${value}` : value;
	return `"${safe.replace(/"/g, '""')}"`;
}

export const AUDIT_CSV_HEADER = ['time (UTC)', 'what', 'details', 'who', 'who (account)', 'concerning', 'concerning (account)', 'block', 'transaction'];

/** RFC 4180 CSV, one line per entry, oldest first as given. */
export function auditCsv(entries: readonly AuditEntry[], nameOf: NameOf = () => undefined): string {
	const lines = [AUDIT_CSV_HEADER.map(cell).join(',')];
	for (const e of entries)
		lines.push(
			[
				iso(e.timestamp),
				AUDIT_KIND_LABELS[e.kind] ?? e.kind,
				e.summary,
				nameOf(e.actor) ?? e.actor,
				e.actor,
				e.counterparty ? (nameOf(e.counterparty) ?? e.counterparty) : '',
				e.counterparty ?? '',
				e.blockNumber.toString(),
				e.transactionHash ?? ''
			]
				.map(cell)
				.join(',')
		);
	return lines.join('\r\n') + '\r\n';
}

/** Our code system for the kinds of entry (AuditEvent.subtype). */
export const AUDIT_KIND_SYSTEM = 'https://carevault.app/fhir/CodeSystem/audit-kind';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

// AuditEvent.action: C create, R read, U update, D delete, E execute.
const ACTION: Partial<Record<AuditKind, 'C' | 'R' | 'U' | 'D' | 'E'>> = {
	'records-added': 'C',
	'record-proposed': 'C',
	'proposal-accepted': 'U',
	'proposal-rejected': 'U',
	'grant-made': 'C',
	'grant-extended': 'U',
	'grant-expired': 'U',
	'grant-revoked': 'D',
	'link-made': 'C',
	'link-revoked': 'D',
	'access-requested': 'C',
	'access-answered': 'U',
	'access-reported': 'R',
	'emergency-guardians-set': 'U',
	'emergency-requested': 'C',
	'emergency-approved': 'U',
	'emergency-cancelled': 'U',
	// Finalize and release execute the break-glass: a disclosure, not a change to the record.
	'emergency-finalized': 'E',
	'emergency-released': 'E',
	'research-consent-given': 'C',
	'research-consent-withdrawn': 'U'
};

/** An account as a FHIR identifier: its CAIP-10 id (chain and address). */
const accountIdentifier = (chainId: number, address: string) => ({ system: 'urn:ietf:rfc:3986', value: `urn:caip10:eip155:${chainId}:${address.toLowerCase()}` });

export interface AuditEventContext {
	chainId: number;
	patient: Address;
	nameOf?: NameOf;
}

/** One FHIR R4 AuditEvent for one entry. */
export function auditEventOf(e: AuditEntry, ctx: AuditEventContext, id: string) {
	const nameOf = ctx.nameOf ?? (() => undefined);
	const agent = (address: Address, requestor: boolean) => ({
		who: { identifier: accountIdentifier(ctx.chainId, address), display: nameOf(address) ?? address },
		requestor
	});
	const entity: object[] = [
		{
			what: { identifier: accountIdentifier(ctx.chainId, ctx.patient), display: nameOf(ctx.patient) ?? ctx.patient },
			type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
			role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' }
		}
	];
	if (e.transactionHash)
		entity.push({
			what: { identifier: { system: 'urn:ietf:rfc:3986', value: `urn:eip155:${ctx.chainId}:tx:${e.transactionHash}` } },
			type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
			description: `Transaction in block ${e.blockNumber}`
		});
	return {
		resourceType: 'AuditEvent' as const,
		id,
		type: { system: DCM, code: '110110', display: 'Patient Record' },
		subtype: [{ system: AUDIT_KIND_SYSTEM, code: e.kind, display: AUDIT_KIND_LABELS[e.kind] ?? e.kind }],
		action: ACTION[e.kind] ?? 'E',
		recorded: iso(e.timestamp),
		outcome: '0' as const,
		outcomeDesc: e.summary,
		agent: [agent(e.actor, true), ...(e.counterparty && e.counterparty.toLowerCase() !== e.actor.toLowerCase() ? [agent(e.counterparty, false)] : [])],
		source: { observer: { display: `Carevault, read from blockchain ${ctx.chainId} at block ${e.blockNumber}` } },
		entity
	};
}

/** Every entry as an AuditEvent, in one collection Bundle, oldest first. */
export function auditEventBundle(entries: readonly AuditEntry[], ctx: AuditEventContext) {
	return {
		resourceType: 'Bundle' as const,
		type: 'collection' as const,
		timestamp: new Date().toISOString(),
		entry: entries.map((e, i) => ({ fullUrl: `urn:uuid:${crypto.randomUUID()}`, resource: auditEventOf(e, ctx, `audit-${i + 1}`) }))
	};
}
