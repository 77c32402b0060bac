import type { App } from './app';
import { makeTrustDeps, vaultAccessOf } from './adapters';
import { TrustState } from './trust.svelte';

/** The patient's trust settings and sender identities, over the app's wallet, vault and site config. */
export function trustStateFor(app: App): TrustState {
	return new TrustState(() => makeTrustDeps(app.config, app.wallet), vaultAccessOf(app.vault), {
		schema: app.config.providerSchemaUid,
		attesters: app.config.trustedAttesters
	});
}
