import type { Reroute } from '@sveltejs/kit';

/**
 * A SMART Health Link opened through this site as its viewer arrives as
 * `<site>#shlink:/<payload>` (the IG's viewer-URL form), which is not a route
 * under hash routing: it is shown by the SHL viewer page instead.
 */
export const reroute: Reroute = ({ url }) => {
	if (url.hash.startsWith('#shlink:/')) return `/shl/${url.hash.slice('#shlink:/'.length)}`;
};
