import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { currentLists } from '../reconcile';
import { escapeXhtml, exportBundle, exportPatientSummary, type Bundle } from './export';
import { listPatients, parseFhirFiles, selectPatient, type FhirResource } from './import';

const FIXTURE = fileURLToPath(new URL('../../../../tests/fixtures/synthea-10/', import.meta.url));
const files = readdirSync(FIXTURE)
	.filter((f) => f.endsWith('.ndjson'))
	.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
const source = parseFhirFiles(files);
const LARGEST = '79a66c97-6131-3213-f3c9-4606946ab056';
const WITH_ALLERGIES = 'cbc86e51-9eca-3855-76ec-c058f72c5761';
let n = 0;
const newId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const reimport = (bundle: Bundle) => parseFhirFiles([{ name: 'export.json', text: JSON.stringify(bundle) }]);

describe('exportBundle', () => {
	it('round-trips a whole Synthea patient: re-import gives the same resources', () => {
		const pi = selectPatient(source, LARGEST);
		const bundle = exportBundle(pi.resources);
		expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
		expect(bundle.entry[0].fullUrl).toBe(`urn:uuid:${LARGEST}`);
		const back = reimport(bundle);
		expect(back.skipped).toEqual([]);
		expect(back.entries.map((e) => e.resource)).toEqual(pi.resources);
		expect(selectPatient(back, LARGEST).resources).toEqual(pi.resources);
	});

	it('uses Type/id for ids that are not UUIDs and a fresh urn:uuid for resources without one', () => {
		const obs = { resourceType: 'Observation', status: 'final', code: { text: 'Blood pressure' } };
		const bundle = exportBundle([{ ...obs, id: 'bp-1' }, obs], { newId });
		expect(bundle.entry.map((e) => e.fullUrl)).toEqual(['Observation/bp-1', expect.stringMatching(/^urn:uuid:0{8}-/)]);
	});
});

describe('exportPatientSummary', () => {
	for (const id of [LARGEST, WITH_ALLERGIES])
		it(`is a document whose Composition lists the current lists of ${id}, and re-imports to the same lists`, () => {
			const pi = selectPatient(source, id);
			const patient = pi.resources[0];
			const now = new Date('2025-01-02T03:04:05Z');
			const doc = exportPatientSummary(patient, pi.resources, now, { newId });
			expect(doc).toMatchObject({ resourceType: 'Bundle', type: 'document', timestamp: '2025-01-02T03:04:05.000Z' });
			const composition = doc.entry[0].resource as FhirResource & { section: Array<{ code: { coding: Array<{ code: string }> }; entry?: Array<{ reference: string }>; text: { div: string } }> };
			expect(composition).toMatchObject({
				resourceType: 'Composition',
				status: 'final',
				type: { coding: [{ system: 'http://loinc.org', code: '60591-5', display: 'Patient summary Document' }] },
				subject: { reference: `urn:uuid:${id}` },
				date: '2025-01-02T03:04:05.000Z'
			});
			expect(composition.section.map((s) => s.code.coding[0].code)).toEqual(['11450-4', '10160-0', '48765-2']);
			const urls = new Set(doc.entry.map((e) => e.fullUrl));
			const lists = currentLists(pi.resources);
			const sectionLists = [lists.problems, lists.medications, lists.allergies];
			composition.section.forEach((s, i) => {
				const refs = (s.entry ?? []).map((e) => e.reference);
				expect(refs).toEqual(sectionLists[i].flatMap((item) => item.resourceIds.map((rid) => `urn:uuid:${rid}`)));
				for (const r of refs) expect(urls.has(r)).toBe(true);
				for (const item of sectionLists[i]) expect(s.text.div).toContain(escapeXhtml(item.display));
			});
			const back = reimport(doc);
			expect(back.skipped).toEqual([]);
			expect(listPatients(back).map((p) => p.id)).toEqual([id]);
			expect(currentLists(back.entries.map((e) => e.resource))).toEqual(lists);
			expect(back.entries[1].resource).toEqual(patient);
		});

	it('escapes everything it writes into the narrative', () => {
		const evil = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a> & \'q\'';
		const patient: FhirResource = { resourceType: 'Patient', id: 'p1', name: [{ text: evil }] };
		const cond: FhirResource = {
			resourceType: 'Condition',
			id: 'c1',
			clinicalStatus: { coding: [{ code: 'active' }] },
			code: { text: evil },
			subject: { reference: 'Patient/p1' },
			onsetDateTime: '2020-01-01'
		};
		const doc = exportPatientSummary(patient, [patient, cond], new Date('2025-01-01T00:00:00Z'), { newId });
		const composition = doc.entry[0].resource as unknown as { text: { div: string }; section: Array<{ text: { div: string }; emptyReason?: unknown }> };
		for (const div of [composition.text.div, ...composition.section.map((s) => s.text.div)]) {
			expect(div).not.toMatch(/<script|<img|<a /);
			expect(div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')).toBe(true);
		}
		expect(composition.section[0].text.div).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
		expect(composition.section[0].text.div).toContain('&amp; &#39;q&#39;');
		expect(composition.section[1]).toMatchObject({ emptyReason: { coding: [{ code: 'unavailable' }] } });
		expect(composition.section[1].text.div).toContain('No current medications are recorded.');
	});
});
