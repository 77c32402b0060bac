/**
 * Text that other people chose (provider names, attested names) shown in the
 * app. Bidi overrides and isolates (U+202A-202E, U+2066-2069), marks, zero-width
 * and every other format character (Unicode Cf), and control characters (Cc)
 * can make "City Hospital Lab" look like something else or reorder the text
 * around it, so they never reach the screen.
 */
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/gu;
const UNSAFE = /[\p{Cc}\p{Cf}]/gu;

/** Removes control and format characters (line breaks and tabs become spaces), collapses runs of spaces, trims. */
export function stripUnsafeChars(text: string): string {
	if (typeof text !== 'string') return '';
	return text.replace(LINE_BREAKS, ' ').replace(UNSAFE, '').replace(/\s+/gu, ' ').trim();
}

/** stripUnsafeChars, cut to `max` characters (code points) with an ellipsis: a name, not a paragraph. */
export function displayText(text: string, max = 80): string {
	const clean = [...stripUnsafeChars(text)];
	return clean.length > max ? `${clean.slice(0, max - 1).join('')}…` : clean.join('');
}
