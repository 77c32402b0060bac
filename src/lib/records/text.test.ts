import { describe, expect, it } from 'vitest';
import { displayText, stripUnsafeChars } from './text';

describe('stripUnsafeChars', () => {
	it('removes bidi overrides and isolates', () => {
		// "City Hospital Lab" followed by a right-to-left override that would flip what follows.
		expect(stripUnsafeChars('City Hospital Lab\u202Ebal.exe')).toBe('City Hospital Labbal.exe');
		for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'])
			expect(stripUnsafeChars(`a${c}b`)).toBe('ab');
	});

	it('removes zero-width and other format characters', () => {
		for (const c of ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD'])
			expect(stripUnsafeChars(`Ci${c}ty`)).toBe('City');
	});

	it('turns line breaks and tabs into single spaces and drops other control characters', () => {
		expect(stripUnsafeChars(' Dr.\nAda\t\tMoreau\u2028 ')).toBe('Dr. Ada Moreau');
		expect(stripUnsafeChars('a\u0000b\u0007c\u007Fd\u009Be')).toBe('abcde');
	});

	it('keeps ordinary letters of any script, and emoji', () => {
		expect(stripUnsafeChars('Clínica São José — مستشفى 東京 🏥')).toBe('Clínica São José — مستشفى 東京 🏥');
	});

	it('returns an empty string for a non-string', () => {
		expect(stripUnsafeChars(undefined as unknown as string)).toBe('');
	});
});

describe('displayText', () => {
	it('cuts long text with an ellipsis, counting code points', () => {
		expect(displayText('abcdef', 4)).toBe('abc…');
		expect(displayText('🏥🏥🏥', 3)).toBe('🏥🏥🏥');
		expect(displayText('x\u202Eyz', 80)).toBe('xyz');
	});
});
