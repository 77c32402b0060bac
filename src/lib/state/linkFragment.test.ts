/**
 * The link viewer forgets the link's secret from the address bar and history:
 * the current entry is replaced (never a new one pushed), SvelteKit's indexes
 * are kept and any stored page URL is dropped.
 */
import { describe, expect, it } from 'vitest';
import { forgetLinkSecret, forgetShlSecret, OPENED_LINK_ROUTE, OPENED_SHL_ROUTE } from './linkFragment';

/** A History stand-in recording what the page asked of it. */
function historyOf(state: unknown) {
	const calls: Array<{ state: unknown; url: string }> = [];
	return {
		calls,
		state,
		replaceState(next: unknown, _unused: string, url?: string | URL | null) {
			calls.push({ state: next, url: String(url) });
			this.state = next;
		}
	};
}

describe('forgetLinkSecret', () => {
	it('replaces the current entry with the page at #/link, keeping SvelteKit indexes and dropping stored URLs', () => {
		const hist = historyOf({ 'sveltekit:history': 3, 'sveltekit:navigation': 2, 'sveltekit:pageurl': 'https://x/#/link/SECRET' });
		const loc = { pathname: '/ipfs/bafy/', search: '?a=1', hash: '#/link/SECRET' };
		expect(forgetLinkSecret(loc, hist)).toBe(true);
		expect(hist.calls).toEqual([{ state: { 'sveltekit:history': 3, 'sveltekit:navigation': 2 }, url: `/ipfs/bafy/?a=1${OPENED_LINK_ROUTE}` }]);
		expect(JSON.stringify(hist.calls)).not.toContain('SECRET');
	});

	it('leaves every other page alone', () => {
		for (const hash of ['', '#/', '#/share', OPENED_LINK_ROUTE, '#/linkage/x']) {
			const hist = historyOf(null);
			expect(forgetLinkSecret({ pathname: '/', search: '', hash }, hist)).toBe(false);
			expect(hist.calls).toEqual([]);
		}
	});
});

describe('forgetShlSecret', () => {
	it('replaces a SMART Health Link in the fragment (viewer URL or #/shl/...) with #/shl', () => {
		for (const hash of ['#shlink:/eyJTECRET', '#/shl/eyJTECRET']) {
			const hist = historyOf({ 'sveltekit:history': 1, 'sveltekit:pageurl': `https://x/${hash}` });
			expect(forgetShlSecret({ pathname: '/', search: '', hash }, hist)).toBe(true);
			expect(hist.calls).toEqual([{ state: { 'sveltekit:history': 1 }, url: `/${OPENED_SHL_ROUTE}` }]);
			expect(JSON.stringify(hist.calls)).not.toContain('TECRET');
		}
	});

	it('leaves every other page alone', () => {
		for (const hash of ['', '#/', OPENED_SHL_ROUTE, '#/shlx/a', '#/link/x']) {
			const hist = historyOf(null);
			expect(forgetShlSecret({ pathname: '/', search: '', hash }, hist)).toBe(false);
			expect(hist.calls).toEqual([]);
		}
	});
});
