/**
 * Performance marks for `npm run bench` (`carevault:<name>`), written only
 * when the bench sets `globalThis.carevaultMarks` before the page loads: the
 * shipped app pays one property read per mark.
 */
export function perfMark(name: string): void {
	if ((globalThis as { carevaultMarks?: boolean }).carevaultMarks) performance.mark(`carevault:${name}`);
}
