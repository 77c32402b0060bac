import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { CATEGORIES } from '../../records/model';
import { categoriesToMask, maskToCategories } from './categories';

describe('study categories on-chain', () => {
	it('one bit per category, in the order of CATEGORIES', () => {
		expect(categoriesToMask(['medications'])).toBe(1);
		expect(categoriesToMask(['allergies', 'problems'])).toBe(0b110);
		expect(categoriesToMask([...CATEGORIES])).toBe(0xfff);
		expect(maskToCategories(0b110)).toEqual(['problems', 'allergies']);
		// Bits past the known categories (a newer app's) are ignored, not misread.
		expect(maskToCategories(0xf000 | 1)).toEqual(['medications']);
		expect(() => categoriesToMask(['genome' as never])).toThrow(RangeError);
	});
	test.prop([fc.subarray([...CATEGORIES])])('round trip', (cats) => {
		expect(maskToCategories(categoriesToMask(cats))).toEqual(cats);
	});
});
