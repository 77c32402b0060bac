/**
 * Who a provider is, as far as the patient can tell. A registered name is
 * whatever the sender typed: anyone can call themselves "City Hospital Lab".
 * A provider is verified only when an attester the patient trusts (the site's
 * list, plus the patient's own additions, minus the patient's removals) holds
 * a valid attestation of its identity, or when the patient pinned that
 * address personally. The name then shown is the attested one.
 */
import type { Hex } from '../ports';
import type { ProviderAttestation } from './ports';
import type { TrustPreferences } from './preferences';

export type ProviderTrust =
	| {
			status: 'verified';
			via: 'attestation';
			/** Attested fields (attester-supplied text: strip before display). */
			name: string;
			role: string;
			licenceId: string;
			attester: Hex;
			uid: Hex;
	  }
	| { status: 'verified'; via: 'pinned'; /** The name the patient pinned it under. */ name: string }
	| { status: 'unverified' };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The attesters a patient trusts: the site's, plus theirs, minus the ones they removed (case-insensitive, no duplicates). */
export function trustedAttestersOf(siteAttesters: readonly Hex[], prefs: Pick<TrustPreferences, 'addedAttesters' | 'removedAttesters'>): Hex[] {
	const removed = new Set(prefs.removedAttesters.map((a) => a.toLowerCase()));
	const out = new Map<string, Hex>();
	for (const a of [...siteAttesters, ...prefs.addedAttesters]) if (!removed.has(a.toLowerCase())) out.set(a.toLowerCase(), a);
	return [...out.values()];
}

/** Whether `a` is, right now, a valid attestation of `provider`'s identity under `schema`. */
export function isValidAttestation(a: ProviderAttestation, p: { provider: Hex; schema: Hex; now: number }): boolean {
	return (
		same(a.recipient, p.provider) &&
		same(a.schema, p.schema) &&
		a.revocationTime === 0 &&
		(a.expirationTime === 0 || a.expirationTime > p.now) &&
		a.time <= p.now + 300 &&
		a.name.trim() !== ''
	);
}

/**
 * The rule. `attestations` may hold anything the chain returned (other
 * attesters, revoked, expired, other schema, other recipient): only a valid
 * one from a trusted attester counts; the newest such wins. A pin by the
 * patient counts on its own. `now` is Unix seconds.
 */
export function verifyProvider(p: {
	provider: Hex;
	/** null when the site has no attestation service: only pins can verify. */
	schema: Hex | null;
	attestations: readonly ProviderAttestation[];
	siteAttesters: readonly Hex[];
	prefs: TrustPreferences;
	now: number;
}): ProviderTrust {
	const trusted = new Set(trustedAttestersOf(p.siteAttesters, p.prefs).map((a) => a.toLowerCase()));
	const schema = p.schema;
	const valid = schema
		? p.attestations
				.filter((a) => trusted.has(a.attester.toLowerCase()) && isValidAttestation(a, { provider: p.provider, schema, now: p.now }))
				.sort((x, y) => y.time - x.time)
		: [];
	const best = valid[0];
	if (best) return { status: 'verified', via: 'attestation', name: best.name, role: best.role, licenceId: best.licenceId, attester: best.attester, uid: best.uid };
	const pin = p.prefs.pinned.find((x) => same(x.address, p.provider));
	if (pin) return { status: 'verified', via: 'pinned', name: pin.name };
	return { status: 'unverified' };
}

/** Whether the patient blocked `sender`. */
export function isBlocked(prefs: Pick<TrustPreferences, 'blocked'>, sender: Hex): boolean {
	return prefs.blocked.some((b) => same(b.address, sender));
}

/** A filter for lists: keeps only entries whose sender is not blocked (run before any payload is fetched or opened). */
export function withoutBlocked<T>(prefs: Pick<TrustPreferences, 'blocked'>, items: readonly T[], senderOf: (item: T) => Hex): T[] {
	const blocked = new Set(prefs.blocked.map((b) => b.address.toLowerCase()));
	return items.filter((item) => !blocked.has(senderOf(item).toLowerCase()));
}
