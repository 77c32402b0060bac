/**
 * Stored FHIR records read back for the lists, timeline and export, on real
 * parts (libsodium, Umbral, a Helia node in memory): a record holding
 * malformed FHIR is reported unreadable with its reason, and every other
 * record still feeds the lists and the export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import { deriveVaultKeys } from '../crypto/keys';
import { emptyIndex, type VaultRecord } from '../records/model';
import { groupForVault, parseFhirFiles, selectPatient } from '../records/fhir/import';
import { currentLists } from '../records/reconcile';
import { exportBundle, exportPatientSummary } from '../records/fhir/export';
import { buildTimeline, timelineEntriesOf } from '../records/timeline';
import { encryptRecords } from './addRecords';
import type { OpenVault } from './deps';
import { bytesFile, FHIR_JSON, FHIR_NDJSON, fhirContentProblem, importRecords, readFhirRecords, type RecordContent } from './fhirRecords';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/synthea-10/', import.meta.url));
const files = readdirSync(FIXTURE)
	.filter((f) => f.endsWith('.ndjson'))
	.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
const PATIENT = 'cbc86e51-9eca-3855-76ec-c058f72c5761';
const utf8 = new TextEncoder();

const fhirRecord = (title: string, text: string, type = FHIR_JSON) => ({
	title,
	category: 'medications' as const,
	date: '2024-05-02',
	kind: 'fhir' as const,
	source: 'Hostile Clinic (0x0000000000000000000000000000000000000bad)',
	files: [bytesFile(type === FHIR_JSON ? 'record.json' : 'record.ndjson', type, utf8.encode(text))]
});

let node: MemoryNode;
let empty: MemoryNode;
let vault: OpenVault;
let good: VaultRecord[];
let bad: { bundle: VaultRecord; nullLine: VaultRecord; notJson: VaultRecord; wrongTypes: VaultRecord; tampered: VaultRecord };
const picked = selectPatient(parseFhirFiles(files), PATIENT);
const amoxicillin = { resourceType: 'MedicationRequest', id: 'amox-1', status: 'active', intent: 'order', subject: { reference: `Patient/${PATIENT}` }, medicationCodeableConcept: { text: 'Amoxicillin 500 mg' }, authoredOn: '2024-05-02' };

beforeAll(async () => {
	node = await createMemoryNode();
	empty = await createMemoryNode();
	vault = { address: '0x00000000000000000000000000000000000000aa', keys: await deriveVaultKeys(new Uint8Array(32).fill(7)), index: emptyIndex(), headerCid: '' };
	const deps = { blobs: node.blobStore };
	good = await encryptRecords(deps, vault, importRecords(groupForVault(picked), 'import: synthea', '2024-06-01'));
	const [bundle, nullLine, notJson, wrongTypes, tampered] = await encryptRecords(deps, vault, [
		fhirRecord('Bundle with a number', JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: 5 }] })),
		fhirRecord('Half good', `${JSON.stringify(amoxicillin)}\nnull\n`, FHIR_NDJSON),
		fhirRecord('Not JSON', 'Dear patient, here are your results.'),
		fhirRecord('Wrong types', JSON.stringify({ resourceType: 'MedicationRequest', id: 'w', status: 'active', medicationCodeableConcept: 'x', authoredOn: 42, note: {} })),
		fhirRecord('Tampered', JSON.stringify({ ...amoxicillin, id: 'amox-2' }))
	]);
	await node.tamper(tampered.attachments[0].manifest.cid);
	bad = { bundle, nullLine, notJson, wrongTypes, tampered };
});
afterAll(async () => {
	await node?.stop();
	await empty?.stop();
});

describe('readFhirRecords', () => {
	it('reads the good records whole, and lists each bad one as unreadable with its reason', async () => {
		const records = [...good, ...Object.values(bad)];
		const { resources, unreadable } = await readFhirRecords({ blobs: node.blobStore }, vault, records);

		// Everything of the Synthea patient, plus the good line of the half-good record.
		const byKey = (a: { resourceType: string; id?: string }, b: { resourceType: string; id?: string }) =>
			`${a.resourceType}/${a.id}`.localeCompare(`${b.resourceType}/${b.id}`);
		expect(resources.map((r) => r.resource).sort(byKey)).toEqual([...picked.resources, amoxicillin].sort(byKey));
		expect(resources.at(-1)).toMatchObject({ recordId: bad.nullLine.id, source: bad.nullLine.source });

		const reasons = Object.fromEntries(unreadable.map((u) => [u.title, u.reasons]));
		expect(Object.keys(reasons).sort()).toEqual(['Bundle with a number', 'Half good', 'Not JSON', 'Tampered', 'Wrong types']);
		expect(reasons['Bundle with a number']).toEqual(['entry 1: not a FHIR resource (got a number)']);
		expect(reasons['Half good']).toEqual(['line 2: not a FHIR resource (got null)']);
		expect(reasons['Not JSON'][0]).toMatch(/^not valid JSON/);
		expect(reasons['Wrong types']).toEqual(['MedicationRequest/w: medicationCodeableConcept should be a CodeableConcept (an object), got text']);
		expect(reasons['Tampered'][0]).toMatch(/changed|cannot be opened|altered/i);
	});

	it('feeds the current lists, the export and the timeline with the good records only', async () => {
		const records = [...good, ...Object.values(bad)];
		const { resources, unreadable } = await readFhirRecords({ blobs: node.blobStore }, vault, records);

		const expected = currentLists([...picked.resources, amoxicillin]);
		expect(currentLists(resources.map((r) => r.resource))).toEqual(expected);
		expect(expected.medications.map((m) => m.display)).toContain('Amoxicillin 500 mg');

		const bundle = exportBundle(resources.map((r) => r.resource));
		expect(bundle.entry).toHaveLength(picked.resources.length + 1);
		expect(JSON.stringify(bundle)).not.toMatch(/"resource":5|"authoredOn":42/);
		const patient = resources.find((r) => r.resource.resourceType === 'Patient')!.resource;
		expect(() => exportPatientSummary(patient, resources.map((r) => r.resource), new Date(0))).not.toThrow();

		// The timeline is built from the index; the unreadable ids mark the bad records' entries.
		const timeline = buildTimeline(timelineEntriesOf(records));
		const badIds = new Set(unreadable.map((u) => u.recordId));
		const marked = timeline.entries.filter((e) => e.recordId && badIds.has(e.recordId));
		expect(marked.map((e) => e.title).sort()).toEqual(['Bundle with a number', 'Half good', 'Not JSON', 'Tampered', 'Wrong types']);
		expect(timeline.entries.length).toBe(picked.resources.length + 5);
	});

	it('decrypts each record once when given a cache', async () => {
		const cache = new Map<string, RecordContent>();
		await readFhirRecords({ blobs: node.blobStore }, vault, [bad.bundle], { cache });
		// A node that holds none of the blocks: only the cache can answer.
		const again = await readFhirRecords({ blobs: empty.blobStore }, vault, [bad.bundle], { cache });
		expect(again.unreadable[0].reasons).toEqual(['entry 1: not a FHIR resource (got a number)']);
	});

	it('reports a record it cannot fetch as unreadable, and tries it again next time', async () => {
		const cache = new Map<string, RecordContent>();
		const first = await readFhirRecords({ blobs: empty.blobStore }, vault, [good[0]], { cache });
		expect(first.unreadable).toEqual([expect.objectContaining({ recordId: good[0].id, reasons: [expect.any(String)] })]);
		expect(first.resources).toEqual([]);
		expect(cache.size).toBe(0);
		const second = await readFhirRecords({ blobs: node.blobStore }, vault, [good[0]], { cache });
		expect(second.unreadable).toEqual([]);
		expect(second.resources.length).toBeGreaterThan(0);
	});
});

describe('fhirContentProblem (proposal accept)', () => {
	it.each([
		['{"resourceType":"Bundle","entry":[{"resource":5}]}', '"x.json" is not readable FHIR: entry 1: not a FHIR resource (got a number).'],
		['{"resourceType":"Condition"}\nnull', '"x.json" is not readable FHIR: line 2: not a FHIR resource (got null).'],
		['{"resourceType":"Bundle","entry":[]}', '"x.json" holds no FHIR resource.'],
		['{"resourceType":"Condition","code":"x","onsetDateTime":42}', '"x.json" is not readable FHIR: Condition: code should be a CodeableConcept (an object), got text.']
	])('refuses %s', (text, message) => {
		expect(fhirContentProblem('x.json', utf8.encode(text))).toBe(message);
	});

	it('accepts a readable resource, and refuses bytes that are not UTF-8', () => {
		expect(fhirContentProblem('ok.json', utf8.encode(JSON.stringify(amoxicillin)))).toBeNull();
		expect(fhirContentProblem('bin.json', new Uint8Array([0xff, 0xfe, 0x00]))).toBe('"bin.json" is not readable FHIR: it is not UTF-8 text.');
	});
});
