import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extensionOf, safeFileName, shownFileName } from './fileName';
import { fileKindOf } from './fileKind';

const enc = (s: string) => new TextEncoder().encode(s);
const HTML = fileKindOf(enc('<html><script>alert(1)</script></html>'));
const PDF = fileKindOf(enc('%PDF-1.7\n'));
const TEXT = fileKindOf(enc('hello'));
const BINARY = fileKindOf(Uint8Array.from([0, 1, 2, 0xff]));

describe('safeFileName', () => {
	it('keeps ordinary names', () => {
		expect(safeFileName('Lab results 2024-05.pdf')).toBe('Lab results 2024-05.pdf');
		expect(safeFileName('Ärztlicher Bericht — 体温.txt')).toBe('Ärztlicher Bericht — 体温.txt');
	});

	it('removes bidi overrides that spoof the extension', () => {
		expect(safeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
		expect(safeFileName('report\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D.pdf')).toBe('report.pdf');
		expect(safeFileName('a\u200Eb\u200Fc\u061Cd.txt')).toBe('abcd.txt');
	});

	it('removes zero-width, other format and control characters', () => {
		expect(safeFileName('sc\u200Ban\u200C\u200D\uFEFF\u00AD.png')).toBe('scan.png');
		expect(safeFileName('a\u0000b\u0007c\u007f\u0085d\u2028e.pdf')).toBe('abc d e.pdf');
		// Line breaks become spaces (as in every name shown), never a new line in a heading.
		expect(safeFileName('line\nbreak.txt')).toBe('line break.txt');
	});

	it('drops path parts and reserved characters, leading dots and trailing dots', () => {
		expect(safeFileName('../../etc/passwd')).toBe('passwd');
		expect(safeFileName('C:\\Users\\x\\evil.bat')).toBe('evil.bat');
		expect(safeFileName('a\uFF0Fb.txt')).toBe('b.txt');
		expect(safeFileName('<img src=x onerror=alert(1)>.txt')).toBe('_img src=x onerror=alert(1)_.txt');
		expect(safeFileName('.hidden')).toBe('hidden');
		expect(safeFileName('name.pdf. . ')).toBe('name.pdf');
	});

	it('is never empty', () => {
		for (const n of ['', '..', '.', '/', '\u202E', '\u200B\u200B', '   ', '../']) expect(safeFileName(n)).toBe('record');
	});

	it('bounds the length and keeps the extension', () => {
		const long = safeFileName(`${'a'.repeat(500)}.pdf`);
		expect(long.length).toBe(180);
		expect(long.endsWith('.pdf')).toBe(true);
	});

	it('never returns a bidi, format, control or path character, for any input', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (n) => {
				const s = safeFileName(n);
				expect(s.length).toBeGreaterThan(0);
				expect(s.length).toBeLessThanOrEqual(180);
				expect(s).not.toMatch(/[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\\/]/u);
			})
		);
	});
});

describe('shownFileName', () => {
	it('says what a lying name really is, and saves it under its real extension', () => {
		expect(shownFileName('invoice.pdf', HTML)).toEqual({
			name: 'invoice.pdf',
			downloadName: 'invoice.pdf.html',
			mismatch: 'actually HTML, download only'
		});
		expect(shownFileName('photo.png', fileKindOf(enc('<svg onload="alert(1)"/>'))).mismatch).toBe('actually SVG image, download only');
		expect(shownFileName('note.txt', PDF)).toMatchObject({ downloadName: 'note.txt.pdf', mismatch: 'actually PDF' });
		expect(shownFileName('invoice\u202Efdp.exe', PDF)).toMatchObject({ name: 'invoicefdp.exe', mismatch: 'actually PDF' });
	});

	it('leaves an honest name alone', () => {
		expect(shownFileName('scan.pdf', PDF)).toEqual({ name: 'scan.pdf', downloadName: 'scan.pdf' });
		expect(shownFileName('notes.md', TEXT)).toEqual({ name: 'notes.md', downloadName: 'notes.md' });
		expect(shownFileName('blob.bin', BINARY)).toEqual({ name: 'blob.bin', downloadName: 'blob.bin' });
	});

	it('marks unknown bytes under a known extension', () => {
		expect(shownFileName('scan.pdf', BINARY)).toEqual({
			name: 'scan.pdf',
			downloadName: 'scan.pdf.bin',
			mismatch: 'actually unrecognised data, download only'
		});
		expect(shownFileName('README', HTML).mismatch).toBe('actually HTML, download only');
		expect(shownFileName('README', TEXT)).toEqual({ name: 'README', downloadName: 'README.txt' });
	});

	it('reads extensions', () => {
		expect(extensionOf('a.PDF')).toBe('pdf');
		expect(extensionOf('.env')).toBeNull();
		expect(extensionOf('a.')).toBeNull();
		expect(extensionOf('a')).toBeNull();
	});
});
