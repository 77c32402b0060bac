/**
 * A meta-tag CSP cannot say `frame-ancestors`, and a static host (an IPFS
 * gateway) cannot send the header. Inside another page, Carevault could be
 * overlaid and clicked through (the wallet's unlock signature, a grant), so it
 * refuses to start there. No browser access at import time.
 */
export const FRAMED_MESSAGE =
	'Carevault cannot be opened inside another page. Open it directly in its own browser tab (type its address in the address bar).';

/** Whether `win` is a frame of another page. A browser that will not say counts as framed. */
export function isFramed(win: { top: unknown; self: unknown }): boolean {
	try {
		return win.top !== win.self;
	} catch {
		return true;
	}
}
