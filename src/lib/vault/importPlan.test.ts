/**
 * Importing again on real parts (libsodium, Umbral, a Helia node in memory):
 * the vault's encrypted FHIR records are decrypted to know what it holds; a
 * second import of the same patient adds nothing, an edited copy replaces
 * the changed resources, and lists, timeline and export then hold each
 * resource once, in its newest version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMemoryNode, type MemoryNode } from '../ipfs/memoryNode';
import { deriveVaultKeys } from '../crypto/keys';
import { emptyIndex, type VaultRecord } from '../records/model';
import { groupForVault, parseFhirFiles, selectPatient, type FhirResource } from '../records/fhir/import';
import { currentLists } from '../records/reconcile';
import { exportBundle } from '../records/fhir/export';
import { buildTimeline, timelineEntriesOf } from '../records/timeline';
import { encryptRecords } from './addRecords';
import type { OpenVault } from './deps';
import { importRecords, readFhirRecords, type RecordContent } from './fhirRecords';
import { planVaultImport, recordsForPlan } from './importPlan';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/synthea-10/', import.meta.url));
const readFiles = () =>
	readdirSync(FIXTURE)
		.filter((f) => f.endsWith('.ndjson'))
		.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
const PATIENT = 'cbc86e51-9eca-3855-76ec-c058f72c5761';

let node: MemoryNode;
let vault: OpenVault;
const first = selectPatient(parseFhirFiles(readFiles()), PATIENT);
const withRecords = (v: OpenVault, records: VaultRecord[]): OpenVault => ({ ...v, index: { ...v.index, records: [...v.index.records, ...records] } });

beforeAll(async () => {
	node = await createMemoryNode();
	vault = { address: '0x00000000000000000000000000000000000000aa', keys: await deriveVaultKeys(new Uint8Array(32).fill(9)), index: emptyIndex(), headerCid: '' };
	const stored = await encryptRecords({ blobs: node.blobStore }, vault, importRecords(groupForVault(first), 'import: Patient.ndjson (13 files)', '2024-06-01'));
	vault = withRecords(vault, stored);
});
afterAll(async () => {
	await node?.stop();
});

describe('importing into a vault that already holds the patient', () => {
	it('the same files again: 0 new, 0 updated, every resource already present, nothing to store', async () => {
		const again = selectPatient(parseFhirFiles(readFiles()), PATIENT).resources;
		const plan = await planVaultImport({ blobs: node.blobStore }, vault, again);
		expect(plan.fresh).toEqual([]);
		expect(plan.updated).toEqual([]);
		expect(plan.present.length).toBe(first.resources.length);
		expect(recordsForPlan(plan, 'import: export.json', '2024-07-01')).toEqual([]);
	});

	it('an edited copy: the changed ones replace the older versions everywhere, the older stay in the vault', async () => {
		const edited = structuredClone(first.resources) as FhirResource[];
		const changed = edited.filter((r) => r.resourceType === 'Condition' && (r.clinicalStatus as { coding: Array<{ code: string }> }).coding[0].code === 'active').slice(0, 2);
		expect(changed.length).toBe(2);
		for (const c of changed) {
			c.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] };
			c.abatementDateTime = '2024-05-01';
		}
		const added: FhirResource = { resourceType: 'Condition', id: 'hay-fever-1', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { text: 'Hay fever' }, subject: { reference: `Patient/${PATIENT}` }, onsetDateTime: '2024-04-01' };
		const cache = new Map<string, RecordContent>();
		const plan = await planVaultImport({ blobs: node.blobStore }, vault, [...edited, added], { cache });
		expect(plan.fresh).toEqual([added]);
		expect(plan.updated.map((u) => u.resource)).toEqual(changed);
		expect(plan.present.length).toBe(first.resources.length - 2);

		const newRecords = recordsForPlan(plan, 'import: newer-export.json', '2024-07-01');
		expect(newRecords.map((r) => r.title)).toEqual(['Problems: 1 imported, 2 updated']);
		expect(newRecords[0].supersedes).toHaveLength(2);
		const stored = await encryptRecords({ blobs: node.blobStore }, vault, newRecords);
		const after = withRecords(vault, stored);

		// Current content: every resource once, the changed ones in their new version.
		const current = await readFhirRecords({ blobs: node.blobStore }, after, after.index.records, { cache });
		expect(current.superseded).toBe(2);
		const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;
		const resources = current.resources.map((r) => r.resource);
		expect(resources.map(key).sort()).toEqual([...first.resources, added].map(key).sort());
		for (const c of changed) expect(resources.find((r) => key(r) === key(c))).toEqual(c);
		const before = currentLists(first.resources).problems.length;
		const problems = currentLists(resources).problems;
		expect(problems.map((p) => p.display)).toContain('Hay fever');
		expect(problems.length).toBeLessThanOrEqual(before + 1);

		// The older versions are still in the vault, in their own record.
		const all = await readFhirRecords({ blobs: node.blobStore }, after, after.index.records, { cache, includeSuperseded: true });
		expect(all.resources.length).toBe(first.resources.length + 3);

		// Timeline and export: one entry per resource.
		expect(buildTimeline(timelineEntriesOf(after.index.records)).entries.length).toBe(first.resources.length + 1);
		const bundle = exportBundle(resources);
		expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(bundle.entry.length);
		expect(bundle.entry.length).toBe(first.resources.length + 1);

		// And importing the edited copy once more adds nothing.
		const third = await planVaultImport({ blobs: node.blobStore }, after, [...structuredClone(edited), structuredClone(added)], { cache });
		expect([third.fresh.length, third.updated.length, third.present.length]).toEqual([0, 0, first.resources.length + 1]);
	});
});
