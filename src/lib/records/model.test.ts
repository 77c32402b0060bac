import { describe, expect, it } from 'vitest';
import { safeFileName, sortNewestFirst, type VaultRecord } from './model';
import { parseFhirResource } from './fhirResource';
import { InvalidFhirError } from './errors';

const rec = (id: string, date: string, addedAt: string) =>
	({ id, date, addedAt, title: id, category: 'other', kind: 'file', attachments: [] }) as VaultRecord;

describe('record model', () => {
	it('lists newest clinical date first, then newest added', () => {
		const out = sortNewestFirst([
			rec('a', '2020-01-01', '2024-01-01T00:00:00Z'),
			rec('b', '2023-05-01', '2024-01-01T00:00:00Z'),
			rec('c', '2020-01-01', '2025-01-01T00:00:00Z')
		]);
		expect(out.map((r) => r.id)).toEqual(['b', 'c', 'a']);
	});

	it('makes download names safe', () => {
		expect(safeFileName('../../etc/passwd')).toBe('passwd');
		expect(safeFileName('<img src=x onerror=alert(1)>.txt')).toBe('_img src=x onerror=alert(1)_.txt');
		expect(safeFileName('..')).toBe('record');
		expect(safeFileName('a\u0000b.pdf')).toBe('ab.pdf');
	});
});

describe('parseFhirResource', () => {
	it('files a MedicationRequest under medications with its drug name and date', () => {
		const p = parseFhirResource(
			JSON.stringify({
				resourceType: 'MedicationRequest',
				status: 'active',
				medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '313782', display: 'Acetaminophen 325 MG Oral Tablet' }] },
				authoredOn: '2019-03-04T10:00:00Z'
			})
		);
		expect(p).toMatchObject({ category: 'medications', title: 'Acetaminophen 325 MG Oral Tablet', date: '2019-03-04', resourceType: 'MedicationRequest' });
	});

	it('rejects malformed JSON and non-FHIR objects with a clear message', () => {
		expect(() => parseFhirResource('{"resourceType": ')).toThrow(InvalidFhirError);
		expect(() => parseFhirResource('{"resourceType": ')).toThrow(/not valid JSON/);
		expect(() => parseFhirResource('[1,2]')).toThrow(/one JSON object/);
		expect(() => parseFhirResource('{"name":"x"}')).toThrow(/no "resourceType"/);
	});

	it('refuses what the vault could not read back: wrong field types, a Bundle with a bad entry', () => {
		expect(() => parseFhirResource('{"resourceType":"Condition","code":"x"}')).toThrow(
			'This is not a FHIR R4 resource: Condition: code should be a CodeableConcept (an object), got text.'
		);
		expect(() => parseFhirResource('{"resourceType":"Observation","effectiveDateTime":42}')).toThrow(/effectiveDateTime should be a date, got a number/);
		expect(() => parseFhirResource('{"resourceType":"Condition","note":{}}')).toThrow(/note should be a list, got an object/);
		expect(() => parseFhirResource('{"resourceType":"Bundle","entry":[{"resource":5}]}')).toThrow(
			'This is not a FHIR R4 resource: entry 1: not a FHIR resource (got a number).'
		);
		expect(() => parseFhirResource('{"resourceType":"Bundle","entry":[]}')).toThrow(/holds no resource/);
	});
});
