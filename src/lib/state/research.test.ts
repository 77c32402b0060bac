import { describe, expect, it } from 'vitest';
import type { ProviderIdentity } from '../vault/providers/identify';
import { isVerifiedResearcher } from './research.svelte';

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
const attested = (role: string): ProviderIdentity => ({
	address: A,
	declared: { name: 'Study Centre', role: 'researcher' },
	trust: { status: 'verified', via: 'attestation', name: 'Study Centre', role, licenceId: 'IRB 1', attester: A, uid: `0x${'1'.repeat(64)}` }
});

describe('which studies a patient is shown', () => {
	it('a researcher attestation or a personal pin verifies; a provider attestation or a self-declared role does not', () => {
		expect(isVerifiedResearcher(attested('researcher'))).toBe(true);
		expect(isVerifiedResearcher(attested(' Researcher '))).toBe(true);
		// Attested as a lab: verified as a provider, not as a researcher.
		expect(isVerifiedResearcher(attested('lab'))).toBe(false);
		expect(isVerifiedResearcher({ address: A, declared: { name: 'Study Centre', role: 'researcher' }, trust: { status: 'unverified' } })).toBe(false);
		expect(isVerifiedResearcher({ address: A, declared: null, trust: { status: 'verified', via: 'pinned', name: 'My cousin’s lab' } })).toBe(true);
		expect(isVerifiedResearcher(null)).toBe(false);
	});
});
