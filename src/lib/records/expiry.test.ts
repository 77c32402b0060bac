import { describe, expect, it } from 'vitest';
import { expiryOfDate, expiryText } from './expiry';

describe('share expiry in words and from a date field', () => {
	it('no date is no end', () => {
		expect(expiryOfDate('')).toBe(0);
		expect(expiryText(0)).toBe('no end date');
	});
	it('a date ends at 23:59:59 local time that day', () => {
		const t = expiryOfDate('2027-03-14');
		const d = new Date(t * 1000);
		expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]).toEqual([2027, 2, 14, 23, 59, 59]);
		expect(expiryText(t)).toBe(`until ${d.toLocaleString()}`);
	});
});
