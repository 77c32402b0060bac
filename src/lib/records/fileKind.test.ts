import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { displayTypeOf, fileKindOf, textOf, DOWNLOAD_TYPE, type FileKind } from './fileKind';

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: Array<number[] | string>) =>
	Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(enc(p)) : p)));
const kind = (b: Uint8Array) => fileKindOf(b).kind;

describe('fileKindOf: real formats by their signatures', () => {
	it('recognises PDF, PNG, JPEG, GIF and WebP from their first bytes', () => {
		expect(kind(bytes('%PDF-1.7\n%âãÏÓ\n1 0 obj'))).toBe('pdf');
		expect(kind(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe('png');
		expect(kind(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('jpeg');
		expect(kind(bytes('GIF89a', [1, 0, 1, 0]))).toBe('gif');
		expect(kind(bytes('GIF87a', [1, 0, 1, 0]))).toBe('gif');
		expect(kind(bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '))).toBe('webp');
	});

	it('does not take a signature that is only near the start', () => {
		expect(kind(bytes(' %PDF-1.7'))).toBe('text');
		expect(kind(bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt '))).toBe('download');
		expect(kind(bytes([0x89, 0x50, 0x4e, 0x47]))).toBe('download');
	});

	it('reads UTF-8 text and JSON, with or without a BOM', () => {
		expect(kind(enc('Knee pain after running.\n'))).toBe('text');
		expect(kind(enc('Ärztin: Dr. Müller — 体温 37.2 °C\r\n\tok'))).toBe('text');
		expect(kind(enc(''))).toBe('text');
		expect(kind(enc('{"resourceType":"Patient"}'))).toBe('json');
		expect(kind(bytes([0xef, 0xbb, 0xbf], '[1, 2]'))).toBe('json');
		expect(textOf(bytes([0xef, 0xbb, 0xbf], 'hi'))).toBe('hi');
		// NDJSON and a note starting with a brace are text, not JSON.
		expect(kind(enc('{"a":1}\n{"a":2}\n'))).toBe('text');
		expect(kind(enc('{draft} call the lab'))).toBe('text');
		// A FHIR narrative is XHTML inside a JSON string: still JSON (shown as text), not a page.
		const narrative = { resourceType: 'Condition', text: { div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>' } };
		expect(kind(enc(JSON.stringify(narrative, null, 2)))).toBe('json');
		expect(kind(enc(`${JSON.stringify(narrative)}\n${JSON.stringify(narrative)}\n`))).toBe('text');
	});

	it('refuses binary and invalid UTF-8 as text', () => {
		expect(kind(bytes('MZ', [0x90, 0, 3, 0]))).toBe('download');
		expect(kind(bytes('abc', [0], 'def'))).toBe('download');
		expect(kind(bytes('abc', [0x1b], '[31m'))).toBe('download');
		expect(kind(bytes([0xc3, 0x28]))).toBe('download');
		expect(kind(bytes('PK', [3, 4, 20, 0]))).toBe('download');
		expect(fileKindOf(bytes([0xc3, 0x28])).warning).toMatch(/does not recognise/);
	});
});

describe('fileKindOf: hostile content is download-only, with a warning', () => {
	const hostile: Array<[string, Uint8Array, string]> = [
		['HTML', enc('<!doctype html><script>window.__pwned=1</script>'), 'html'],
		['HTML after blank lines', enc('\n\n   <html><body onload="alert(1)">'), 'html'],
		['BOM + <html', bytes([0xef, 0xbb, 0xbf], '<html><script>alert(1)</script></html>'), 'html'],
		['<?xml + svg', enc('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'svg'],
		['bare svg', enc('<svg onload="alert(1)"/>'), 'svg'],
		['XHTML', enc('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>'), 'xhtml'],
		['XML', enc('<?xml version="1.0"?><note>hi</note>'), 'xml'],
		['a comment', enc('<!-- hi --><p>x</p>'), 'html'],
		['prose then a script', enc('Lab result attached.\n<script>alert(1)</script>'), 'html'],
		['a brace, then a script', enc('{not json}\n<script>alert(1)</script>'), 'html'],
		['UTF-16 LE HTML', bytes([0xff, 0xfe], Array.from('<html>', (c) => [c.charCodeAt(0), 0]).flat()), 'utf16'],
		['UTF-16 BE HTML', bytes([0xfe, 0xff], Array.from('<html>', (c) => [0, c.charCodeAt(0)]).flat()), 'utf16'],
		['UTF-16 without BOM', bytes(Array.from('<html>', (c) => [c.charCodeAt(0), 0]).flat()), 'binary']
	];
	for (const [label, content, detected] of hostile) {
		it(`${label} → download (${detected})`, () => {
			const v = fileKindOf(content);
			expect(v.kind).toBe('download');
			expect(v.detected).toBe(detected);
			expect(v.warning).toBeTruthy();
		});
	}

	it('a PDF with JavaScript is still a PDF (pdf.js renders it without running script)', () => {
		expect(kind(enc('%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj'))).toBe('pdf');
	});

	it('never returns a display type that a browser would render as a document', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
				const v = fileKindOf(b);
				const t = displayTypeOf(v.kind);
				expect(t).toMatch(/^(image\/(png|jpeg|gif|webp)|text\/plain;charset=utf-8|application\/octet-stream)$/);
				if (v.kind === 'download') expect(v.warning).toBeTruthy();
			})
		);
		fc.assert(
			fc.property(fc.string(), fc.string(), (pre, post) => {
				// Any text that opens with markup is held back, whatever surrounds it.
				const v = fileKindOf(enc(`${pre.replace(/\S/g, ' ')}<svg>${post}`));
				expect(v.kind).toBe('download');
			})
		);
	});

	it('gives images their real type, text plain text, everything else octet-stream', () => {
		const cases: Array<[FileKind, string]> = [
			['png', 'image/png'],
			['jpeg', 'image/jpeg'],
			['gif', 'image/gif'],
			['webp', 'image/webp'],
			['text', 'text/plain;charset=utf-8'],
			['json', 'text/plain;charset=utf-8'],
			['pdf', DOWNLOAD_TYPE],
			['download', DOWNLOAD_TYPE]
		];
		for (const [k, t] of cases) expect(displayTypeOf(k)).toBe(t);
	});
});
