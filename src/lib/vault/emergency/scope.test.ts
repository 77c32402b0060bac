import { describe, expect, it } from 'vitest';
import { buildScope, parseScope, sameScope } from './scope';

const PATIENT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const item = (display: string) => ({ display, code: '1', system: 'http://snomed.info/sct', since: '2020-01-01', source: 'Note by Dr. X', resourceIds: ['a', 'b'] });
const LISTS = { allergies: [item('Penicillin')], medications: [item('Lisinopril')], problems: [] };

describe('emergency scope shape', () => {
	it('keeps name, code, system and date of each item, never its sources or record ids', () => {
		const scope = buildScope(PATIENT, LISTS, 'O+', new Date('2026-01-02T03:04:05Z'));
		expect(scope.allergies).toEqual([{ display: 'Penicillin', code: '1', system: 'http://snomed.info/sct', since: '2020-01-01' }]);
		expect(JSON.stringify(scope)).not.toMatch(/Dr\. X|resourceIds/);
		expect(parseScope(JSON.parse(JSON.stringify(scope)), PATIENT)).toEqual(scope);
		expect(sameScope(scope, buildScope(PATIENT, LISTS, 'O+', new Date()))).toBe(true);
		expect(sameScope(scope, buildScope(PATIENT, LISTS, 'O-', new Date()))).toBe(false);
	});

	it('refuses anything else: another patient, extra fields, markup-sized text, wrong types', () => {
		const scope = buildScope(PATIENT, LISTS, '', new Date());
		const bad = [
			null,
			[],
			{ ...scope, v: 2 },
			{ ...scope, patient: '0x0000000000000000000000000000000000000001' },
			{ ...scope, allergies: [{ ...scope.allergies[0], html: '<img onerror=alert(1)>' }] },
			{ ...scope, medications: [{ display: 42 }] },
			{ ...scope, summary: 'x'.repeat(2001) },
			{ ...scope, problems: 'none' }
		];
		for (const value of bad) expect(parseScope(value, PATIENT)).toBeNull();
	});
});
