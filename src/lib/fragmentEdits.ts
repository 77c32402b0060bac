/**
 * With hash routing, SvelteKit answers a fragment the router did not write
 * itself (the patient edits the address bar, or a script sets location.hash)
 * with a full page reload. A reload forgets the vault's keys, which live only
 * in memory, and every form in progress. This turns such an edit into an
 * ordinary client-side navigation instead.
 *
 * Such an edit shows up as a popstate without the router's history index. A
 * capturing listener on window runs before SvelteKit's own (at the target,
 * capturing listeners go first), so it can stop that one from reloading.
 */
const ROUTER_HISTORY_KEY = 'sveltekit:history';

export function keepFragmentEditsInPage(target: Window, navigate: (href: string) => unknown): () => void {
	const onPopState = (event: PopStateEvent) => {
		const state: unknown = event.state;
		if (state && typeof state === 'object' && ROUTER_HISTORY_KEY in state) return;
		event.stopImmediatePropagation();
		void navigate(target.location.href);
	};
	target.addEventListener('popstate', onPopState, { capture: true });
	return () => target.removeEventListener('popstate', onPopState, { capture: true });
}
