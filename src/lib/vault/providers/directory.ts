/**
 * The directory a patient searches to pick a provider by name: every account
 * that is verified under the trust rule (verify.ts) right now, and nothing
 * else. Self-registered names never appear here: an account is listed only
 * with the name an attester the patient trusts attested (or the name the
 * patient pinned it under), so searching "City Hospital" cannot surface a
 * stranger who merely registered that name.
 */
import type { Hex } from '../ports';
import type { AttestationReader } from './ports';
import type { TrustPreferences } from './preferences';
import type { SiteTrust } from './identify';
import { trustedAttestersOf, verifyProvider } from './verify';

export interface DirectoryEntry {
	address: Hex;
	/** The attested name (or the patient's pin name): text from an attester, render as text. */
	name: string;
	/** Attested role; '' for a pin. */
	role: string;
	licenceId: string;
	/** Who vouches for the name: an attester's address, or 'you' for the patient's own pin. */
	verifiedBy: Hex | 'you';
}

export interface DirectoryDeps {
	/** Absent when the site has no attestation service: only the patient's pins are listed. */
	attestations?: Pick<AttestationReader, 'attestationsBy' | 'chainTime'>;
}

/**
 * Lists the verified providers: the attestations the trusted attesters made
 * (any recipient), each recipient judged by verifyProvider exactly as a
 * single lookup would be (revoked, expired, other schema, removed attester:
 * not listed), plus the patient's pins. Sorted by name.
 */
export async function listVerifiedProviders(
	deps: DirectoryDeps,
	site: SiteTrust,
	prefs: TrustPreferences,
	/** Unix seconds to judge expiry by; default the chain's clock. */
	now?: number
): Promise<DirectoryEntry[]> {
	const attesters = trustedAttestersOf(site.attesters, prefs);
	const found = deps.attestations && site.schema && attesters.length > 0 ? await deps.attestations.attestationsBy({ attesters, schema: site.schema }) : [];
	if (found.length > 0 && now === undefined && deps.attestations) now = await deps.attestations.chainTime();
	const at = now ?? Math.floor(Date.now() / 1000);
	const byRecipient = new Map<string, Hex>();
	for (const a of found) byRecipient.set(a.recipient.toLowerCase(), a.recipient);
	for (const p of prefs.pinned) byRecipient.set(p.address.toLowerCase(), p.address);
	const out: DirectoryEntry[] = [];
	for (const [key, address] of byRecipient) {
		const trust = verifyProvider({
			provider: address,
			schema: site.schema,
			attestations: found.filter((a) => a.recipient.toLowerCase() === key),
			siteAttesters: site.attesters,
			prefs,
			now: at
		});
		if (trust.status !== 'verified') continue;
		out.push(
			trust.via === 'attestation'
				? { address, name: trust.name, role: trust.role, licenceId: trust.licenceId, verifiedBy: trust.attester }
				: { address, name: trust.name, role: '', licenceId: '', verifiedBy: 'you' }
		);
	}
	return out.sort((x, y) => x.name.localeCompare(y.name) || x.address.localeCompare(y.address));
}

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * The entries matching what the patient typed: every word must occur in the
 * name, role or licence (accents and case ignored), or the text is the start
 * of an address. Names that start with the query come first. An empty query
 * matches everything.
 */
export function searchDirectory(entries: readonly DirectoryEntry[], query: string): DirectoryEntry[] {
	const q = fold(query.trim());
	if (q === '') return [...entries];
	const words = q.split(/\s+/);
	const hits = entries.filter((e) => {
		if (/^0x[0-9a-f]{2,}$/.test(q)) return e.address.toLowerCase().startsWith(q);
		const text = fold(`${e.name} ${e.role} ${e.licenceId}`);
		return words.every((w) => text.includes(w));
	});
	const starts = (e: DirectoryEntry) => (fold(e.name).startsWith(q) ? 0 : 1);
	return hits.sort((x, y) => starts(x) - starts(y));
}
