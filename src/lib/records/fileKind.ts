/**
 * How a decrypted file may be shown, decided from its bytes alone.
 *
 * A file's name and declared type come from whoever made it (a provider, a
 * FHIR DocumentReference, another patient's export) and can lie: `x.pdf`
 * holding HTML would run as a document in the app's origin if trusted. So the
 * name and type are never inputs here. Only formats the app can show without
 * a document context pass: PDF (rendered by pdf.js into a canvas), raster
 * images, UTF-8 text and JSON (shown as text). Markup (HTML, SVG, XHTML, XML),
 * UTF-16 and anything unrecognised is download-only, with a warning.
 */

export type FileKind = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'text' | 'json' | 'download';

/** What the bytes look like (finer than FileKind, for names and warnings). */
export type Detected = Exclude<FileKind, 'download'> | 'html' | 'svg' | 'xhtml' | 'xml' | 'utf16' | 'binary';

export interface FileVerdict {
	kind: FileKind;
	detected: Detected;
	/** What the bytes are, in words: "PDF", "HTML", "unrecognised binary data". */
	label: string;
	/** The extension the bytes imply, without a dot; null when unknown. */
	ext: string | null;
	/** Set for download-only files: why the app will not show it. */
	warning?: string;
}

const IMAGE_TYPES: Record<'png' | 'jpeg' | 'gif' | 'webp', string> = {
	png: 'image/png',
	jpeg: 'image/jpeg',
	gif: 'image/gif',
	webp: 'image/webp'
};

/** The only type a Blob for a download may have: the browser never renders it. */
export const DOWNLOAD_TYPE = 'application/octet-stream';

/**
 * The type the app gives a Blob it builds for showing a file of `kind`:
 * images their real type (for <img>), text its plain type, all else
 * `application/octet-stream`.
 */
export function displayTypeOf(kind: FileKind): string {
	if (kind === 'png' || kind === 'jpeg' || kind === 'gif' || kind === 'webp') return IMAGE_TYPES[kind];
	if (kind === 'text' || kind === 'json') return 'text/plain;charset=utf-8';
	return DOWNLOAD_TYPE;
}

export function isImageKind(kind: FileKind): kind is 'png' | 'jpeg' | 'gif' | 'webp' {
	return kind in IMAGE_TYPES;
}

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
	b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

const PDF = ascii('%PDF-');
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const UTF8_BOM = [0xef, 0xbb, 0xbf];

const SHOWN: Record<Exclude<FileKind, 'download'>, { label: string; ext: string }> = {
	pdf: { label: 'PDF', ext: 'pdf' },
	png: { label: 'PNG image', ext: 'png' },
	jpeg: { label: 'JPEG image', ext: 'jpg' },
	gif: { label: 'GIF image', ext: 'gif' },
	webp: { label: 'WebP image', ext: 'webp' },
	text: { label: 'text', ext: 'txt' },
	json: { label: 'JSON', ext: 'json' }
};

const MARKUP_WARNING =
	'could run code if a browser opened it, so Carevault does not show it. Download it only if you trust the sender, and do not open it in a browser.';
const HELD_BACK: Record<'html' | 'svg' | 'xhtml' | 'xml' | 'utf16' | 'binary', { label: string; ext: string | null; warning: string }> = {
	html: { label: 'HTML', ext: 'html', warning: `This file is a web page (HTML), which ${MARKUP_WARNING}` },
	svg: { label: 'SVG image', ext: 'svg', warning: `This file is an SVG image, which ${MARKUP_WARNING}` },
	xhtml: { label: 'XHTML', ext: 'xhtml', warning: `This file is a web page (XHTML), which ${MARKUP_WARNING}` },
	xml: { label: 'XML', ext: 'xml', warning: `This file is XML markup, which ${MARKUP_WARNING}` },
	utf16: {
		label: 'UTF-16 text',
		ext: null,
		warning: 'This file is in an encoding Carevault does not show (UTF-16). Download it only if you trust the sender.'
	},
	binary: {
		label: 'unrecognised data',
		ext: null,
		warning: 'Carevault does not recognise this file type, so it is not shown. Download it only if you trust the sender.'
	}
};

function verdict(detected: Detected): FileVerdict {
	if (detected in SHOWN) {
		const kind = detected as Exclude<FileKind, 'download'>;
		return { kind, detected, ...SHOWN[kind] };
	}
	return { kind: 'download', detected, ...HELD_BACK[detected as keyof typeof HELD_BACK] };
}

// C0 controls other than tab, LF, FF, CR; DEL; C1 controls. Text holding them
// is not a note a person wrote.
// eslint-disable-next-line no-control-regex
const BINARY_CHARS = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/;
// Markup a browser would treat as a document wherever it sits near the top:
// a text file that opens with a line of prose and then <html> is still a page.
const MARKUP_NEAR_TOP = /<\s*(!doctype\s+html|html[\s>/]|script[\s>/]|svg[\s>/]|\?xml[\s?]|iframe[\s>/]|object[\s>/]|embed[\s>/])/i;

/** Sorts markup by what a browser would make of it. */
function markupKind(text: string): 'html' | 'svg' | 'xhtml' | 'xml' {
	const head = text.slice(0, 4096).toLowerCase();
	if (head.includes('http://www.w3.org/1999/xhtml')) return 'xhtml';
	if (/<svg[\s>/]/.test(head)) return 'svg';
	if (/<!doctype\s+html|<html[\s>/]|<script[\s>/]|<body[\s>/]|<head[\s>/]/.test(head)) return 'html';
	if (head.startsWith('<?xml')) return 'xml';
	return 'html';
}

/**
 * Decides how the bytes may be shown. Pure and total: any input gets a
 * verdict; anything not positively recognised is `download`.
 */
export function fileKindOf(bytes: Uint8Array): FileVerdict {
	if (startsWith(bytes, PDF)) return verdict('pdf');
	if (startsWith(bytes, PNG)) return verdict('png');
	if (startsWith(bytes, JPEG)) return verdict('jpeg');
	if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return verdict('gif');
	if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return verdict('webp');
	if (startsWith(bytes, [0xfe, 0xff]) || startsWith(bytes, [0xff, 0xfe])) return verdict('utf16');

	let text: string;
	try {
		// fatal: invalid UTF-8 is not text; ignoreBOM keeps a BOM visible so it is stripped once, below.
		text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch {
		return verdict('binary');
	}
	if (startsWith(bytes, UTF8_BOM)) text = text.slice(1);
	if (BINARY_CHARS.test(text)) return verdict('binary');
	const trimmed = text.trimStart();
	if (trimmed.startsWith('<')) return verdict(markupKind(trimmed));
	// JSON and NDJSON (FHIR bulk data) are shown as text whatever markup their
	// strings hold: a FHIR narrative is XHTML inside a JSON string.
	if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
		if (parses(text)) return verdict('json');
		if (text.split('\n').every((line) => line.trim() === '' || parses(line))) return verdict('text');
	}
	if (MARKUP_NEAR_TOP.test(text.slice(0, 1024))) return verdict(markupKind(trimmed));
	return verdict('text');
}

function parses(json: string): boolean {
	try {
		JSON.parse(json);
		return true;
	} catch {
		return false;
	}
}

/** The text of bytes `fileKindOf` called text or json (a leading BOM dropped). */
export function textOf(bytes: Uint8Array): string {
	return new TextDecoder('utf-8').decode(bytes);
}
