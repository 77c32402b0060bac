import { describe, expect, test } from 'vitest';
import { keepFragmentEditsInPage } from './fragmentEdits';

/**
 * A window stand-in: an EventTarget with a location. Node's EventTarget has no
 * capture phase, so the router's listener is added after ours here; in a
 * browser ours goes first by capturing (navigation.e2e covers that).
 */
function fakeWindow(href: string) {
	const target = new EventTarget() as EventTarget & { location: { href: string } };
	target.location = { href };
	return target as unknown as Window;
}

function popstate(state: unknown): Event {
	return Object.assign(new Event('popstate'), { state });
}

describe('keepFragmentEditsInPage', () => {
	test('a fragment edit (no router state) navigates in the page and never reaches the router, which would reload', () => {
		const win = fakeWindow('https://site.example/#/timeline');
		const navigated: string[] = [];
		keepFragmentEditsInPage(win, (href) => navigated.push(href));
		const routerSaw: unknown[] = [];
		win.addEventListener('popstate', (e) => routerSaw.push((e as PopStateEvent).state));

		win.dispatchEvent(popstate(null));
		expect(navigated).toEqual(['https://site.example/#/timeline']);
		expect(routerSaw).toEqual([]);
	});

	test("back/forward (the router's own history entries) are left to the router", () => {
		const win = fakeWindow('https://site.example/#/add');
		const navigated: string[] = [];
		const stop = keepFragmentEditsInPage(win, (href) => navigated.push(href));
		const routerSaw: unknown[] = [];
		win.addEventListener('popstate', (e) => routerSaw.push((e as PopStateEvent).state));

		const state = { 'sveltekit:history': 3, 'sveltekit:navigation': 2 };
		win.dispatchEvent(popstate(state));
		expect(navigated).toEqual([]);
		expect(routerSaw).toEqual([state]);

		stop();
		win.dispatchEvent(popstate(null));
		expect(navigated).toEqual([]);
		expect(routerSaw).toEqual([state, null]);
	});
});
