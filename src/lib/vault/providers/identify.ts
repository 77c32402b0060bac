import { messageOf } from '../../errors';
import type { Hex } from '../ports';
import type { ProviderDirectory, ProviderRole } from '../providerPorts';
import type { AttestationReader } from './ports';
import type { TrustPreferences } from './preferences';
import { trustedAttestersOf, verifyProvider, type ProviderTrust } from './verify';

/** Everything the app shows about who a sender is. */
export interface ProviderIdentity {
	address: Hex;
	/** What the sender registered about itself (unchecked), or null when it never registered. */
	declared: { name: string; role: ProviderRole } | null;
	trust: ProviderTrust;
	/** Why attestations could not be checked (the provider then shows as unverified). */
	problem?: string;
}

export interface IdentifyDeps {
	providers: Pick<ProviderDirectory, 'readProvider'>;
	/** Absent when the site has no attestation service. */
	attestations?: AttestationReader;
}

export interface SiteTrust {
	/** EAS provider schema UID (config.providerSchemaUid). */
	schema: Hex | null;
	/** config.trustedAttesters */
	attesters: readonly Hex[];
}

/**
 * Reads a sender's self-declared profile and its attestations from the
 * attesters the patient trusts, and applies the rule (verify.ts).
 */
export async function identifyProvider(
	deps: IdentifyDeps,
	site: SiteTrust,
	prefs: TrustPreferences,
	address: Hex,
	/** Unix seconds to judge expiry by; default the chain's clock (the device's without an attestation service). */
	now?: number
): Promise<ProviderIdentity> {
	const profile = await deps.providers.readProvider(address);
	const declared = profile ? { name: profile.name, role: profile.role } : null;
	const attesters = trustedAttestersOf(site.attesters, prefs);
	let attestations: Awaited<ReturnType<AttestationReader['providerAttestations']>> = [];
	let problem: string | undefined;
	if (deps.attestations && site.schema && attesters.length > 0) {
		try {
			attestations = await deps.attestations.providerAttestations({ provider: address, attesters, schema: site.schema });
			now ??= await deps.attestations.chainTime();
		} catch (err) {
			problem = `Its attestations could not be checked: ${messageOf(err)}`;
		}
	}
	const trust = verifyProvider({
		provider: address,
		schema: site.schema,
		attestations,
		siteAttesters: site.attesters,
		prefs,
		now: now ?? Math.floor(Date.now() / 1000)
	});
	return { address, declared, trust, ...(problem ? { problem } : {}) };
}
