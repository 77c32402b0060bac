/**
 * File names from other people, made safe to show and to save.
 *
 * A name can spoof its extension with bidi controls ("invoice\u202Efdp.exe"
 * shows as "invoiceexe.pdf"), hide characters with zero-width ones, carry
 * path parts ("../../x") or characters a file system refuses. Names are
 * always rendered as text (escaped); this removes what text escaping cannot.
 */
import type { FileVerdict } from './fileKind';
import { stripUnsafeChars } from './text';

// Path separators and characters Windows refuses in a file name.
const UNSAFE = /[\\/<>:"|?*]/g;
const MAX_LENGTH = 180;
const FALLBACK = 'record';

/**
 * A name safe to display and to offer as a download name: no bidi, format or
 * control characters, no path parts, no reserved characters, bounded length,
 * never empty.
 */
export function safeFileName(name: string): string {
	// Normalise first so compatibility forms (e.g. a fullwidth solidus) become the plain character.
	// Bidi controls, zero-width and other format (Cf) and control (Cc) characters go; line breaks become spaces.
	const visible = stripUnsafeChars(name.normalize('NFKC'));
	const base = visible.split(/[\\/]/).pop() ?? '';
	let cleaned = base.replace(UNSAFE, '_').replace(/\s+/g, ' ');
	// Leading dots hide a file; trailing dots and spaces are dropped by Windows.
	cleaned = cleaned.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
	if (cleaned.length > MAX_LENGTH) {
		const ext = extensionOf(cleaned);
		const keep = ext && ext.length < 16 ? `.${ext}` : '';
		cleaned = cleaned.slice(0, MAX_LENGTH - keep.length) + keep;
	}
	return cleaned === '' ? FALLBACK : cleaned;
}

/** The lower-case extension of a name, without the dot; null when there is none. */
export function extensionOf(name: string): string | null {
	const dot = name.lastIndexOf('.');
	if (dot <= 0 || dot === name.length - 1) return null;
	return name.slice(dot + 1).toLowerCase();
}

// Extensions that mean the same thing as the one the bytes imply.
const SAME: Record<string, readonly string[]> = {
	jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
	txt: ['txt', 'text', 'md', 'markdown', 'csv', 'tsv', 'log', 'ndjson', 'hl7', 'rtf'],
	json: ['json', 'fhir', 'fhir.json'],
	html: ['html', 'htm'],
	xhtml: ['xhtml', 'xht'],
	xml: ['xml']
};

export interface ShownName {
	/** The cleaned name as sent, for headings. */
	name: string;
	/** The name to save under: the real extension appended when the sent one lies. */
	downloadName: string;
	/** Set when the name's extension disagrees with the bytes: "actually HTML, download only". */
	mismatch?: string;
}

/**
 * The name to show and save for a file whose bytes got `verdict`. Where the
 * name's extension claims something else, the real one is shown beside it and
 * appended to the saved name ("invoice.pdf" holding HTML saves as
 * "invoice.pdf.html"), so the system opens it as what it is.
 */
export function shownFileName(name: string, verdict: FileVerdict): ShownName {
	const clean = safeFileName(name);
	const claimed = extensionOf(clean);
	const real = verdict.ext;
	const agrees = real === null ? claimed === null || claimed === 'bin' : claimed !== null && (SAME[real] ?? [real]).includes(claimed);
	if (agrees) return { name: clean, downloadName: clean };
	const shown = verdict.kind === 'download' ? `actually ${verdict.label}, download only` : `actually ${verdict.label}`;
	return {
		name: clean,
		downloadName: `${clean}.${real ?? 'bin'}`,
		mismatch: claimed === null && real !== null && verdict.kind !== 'download' ? undefined : shown
	};
}
