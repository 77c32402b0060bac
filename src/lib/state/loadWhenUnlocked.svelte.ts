import { untrack } from 'svelte';
import type { App } from './app.svelte';

/**
 * Loads a page's states each time the vault is unlocked, and again when the
 * app starts new ones (lock, another account). Call during component
 * initialisation: it registers an effect that lives as long as the page.
 */
export function loadWhenUnlocked(app: App, ...pages: Array<(app: App) => { load(): Promise<unknown> }>): void {
	$effect(() => {
		const states = pages.map((page) => page(app));
		if (app.vault.status !== 'unlocked') return;
		// Only the app's states and the vault's status decide when: nothing a load reads re-runs it.
		untrack(() => {
			for (const state of states) void state.load();
		});
	});
}
