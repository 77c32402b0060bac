/**
 * A share link carries its secret in the URL fragment. Once the viewer has
 * read it, the secret is taken out of the address bar and out of the tab's
 * history (the current entry is replaced), and kept in memory only: a reload
 * shows OPENED_LINK_ROUTE, which asks for the original link again.
 */

/** What the address bar shows after a link was read. */
export const OPENED_LINK_ROUTE = '#/link';

/**
 * Replaces the current history entry's URL with the same page at
 * OPENED_LINK_ROUTE when it holds a link's secret (`#/link/<payload>`).
 * Uses the History API itself: SvelteKit's `replaceState` would store the
 * current URL, secret included, in `history.state`. The entry's other state
 * (SvelteKit's history and navigation indexes) is kept. Returns whether
 * anything was replaced.
 */
export function forgetLinkSecret(loc: Pick<Location, 'pathname' | 'search' | 'hash'>, hist: Pick<History, 'state' | 'replaceState'>): boolean {
	if (!loc.hash.startsWith(`${OPENED_LINK_ROUTE}/`)) return false;
	hist.replaceState(keptState(hist.state), '', `${loc.pathname}${loc.search}${OPENED_LINK_ROUTE}`);
	return true;
}

/** The entry's state without SvelteKit's copies of the URL (secret included). */
function keptState(state: unknown): unknown {
	return state && typeof state === 'object'
		? Object.fromEntries(Object.entries(state).filter(([key]) => key !== 'sveltekit:pageurl' && key !== 'sveltekit:states'))
		: state;
}

/** What the address bar shows after a SMART Health Link was read. */
export const OPENED_SHL_ROUTE = '#/shl';

/**
 * The same for a SMART Health Link, which carries its key in the fragment
 * too: `#shlink:/<payload>` (a viewer URL, as the IG writes it) or
 * `#/shl/<payload>` becomes OPENED_SHL_ROUTE.
 */
export function forgetShlSecret(loc: Pick<Location, 'pathname' | 'search' | 'hash'>, hist: Pick<History, 'state' | 'replaceState'>): boolean {
	if (!loc.hash.startsWith('#shlink:/') && !loc.hash.startsWith(`${OPENED_SHL_ROUTE}/`)) return false;
	hist.replaceState(keptState(hist.state), '', `${loc.pathname}${loc.search}${OPENED_SHL_ROUTE}`);
	return true;
}
