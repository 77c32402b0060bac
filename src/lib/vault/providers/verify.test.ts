import { describe, expect, it } from 'vitest';
import type { Hex } from '../ports';
import type { ProviderAttestation } from './ports';
import { addAttester, blockSender, EMPTY_TRUST_PREFERENCES, pinProvider, removeAttester, type TrustPreferences } from './preferences';
import { isBlocked, trustedAttestersOf, verifyProvider, withoutBlocked } from './verify';

const PROVIDER = '0x1111111111111111111111111111111111111111' as Hex;
const OTHER = '0x2222222222222222222222222222222222222222' as Hex;
const SITE_ATTESTER = '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720' as Hex;
const PATIENT_ATTESTER = '0x3333333333333333333333333333333333333333' as Hex;
const STRANGER = '0x4444444444444444444444444444444444444444' as Hex;
const SCHEMA = `0x${'ab'.repeat(32)}` as Hex;
const NOW = 1_800_000_000;

const attestation = (over: Partial<ProviderAttestation> = {}): ProviderAttestation => ({
	uid: `0x${'01'.repeat(32)}`,
	schema: SCHEMA,
	recipient: PROVIDER,
	attester: SITE_ATTESTER,
	time: NOW - 100,
	expirationTime: 0,
	revocationTime: 0,
	name: 'City Hospital Lab',
	role: 'lab',
	licenceId: 'NPI 123',
	...over
});

const rule = (attestations: ProviderAttestation[], prefs: TrustPreferences = EMPTY_TRUST_PREFERENCES, provider = PROVIDER) =>
	verifyProvider({ provider, schema: SCHEMA, attestations, siteAttesters: [SITE_ATTESTER], prefs, now: NOW });

describe('verifyProvider', () => {
	it('verifies with a valid attestation from a site attester, showing the attested name', () => {
		expect(rule([attestation()])).toEqual({
			status: 'verified',
			via: 'attestation',
			name: 'City Hospital Lab',
			role: 'lab',
			licenceId: 'NPI 123',
			attester: SITE_ATTESTER,
			uid: attestation().uid
		});
	});

	it('matches addresses case-insensitively', () => {
		expect(rule([attestation({ attester: SITE_ATTESTER.toLowerCase() as Hex, recipient: PROVIDER.toUpperCase().replace('0X', '0x') as Hex })]).status).toBe('verified');
	});

	it('does not verify without attestations', () => {
		expect(rule([])).toEqual({ status: 'unverified' });
	});

	it('does not verify a revoked attestation', () => {
		expect(rule([attestation({ revocationTime: NOW - 10 })]).status).toBe('unverified');
	});

	it('does not verify an expired attestation, but does one that expires later', () => {
		expect(rule([attestation({ expirationTime: NOW - 1 })]).status).toBe('unverified');
		expect(rule([attestation({ expirationTime: NOW })]).status).toBe('unverified');
		expect(rule([attestation({ expirationTime: NOW + 1 })]).status).toBe('verified');
	});

	it('does not verify an attestation of another schema or to another recipient', () => {
		expect(rule([attestation({ schema: `0x${'cd'.repeat(32)}` })]).status).toBe('unverified');
		expect(rule([attestation({ recipient: OTHER })]).status).toBe('unverified');
	});

	it('does not verify an attestation from an attester nobody trusts', () => {
		expect(rule([attestation({ attester: STRANGER })]).status).toBe('unverified');
	});

	it('verifies with an attester the patient added', () => {
		const prefs = addAttester(EMPTY_TRUST_PREFERENCES, PATIENT_ATTESTER);
		expect(rule([attestation({ attester: PATIENT_ATTESTER })], prefs).status).toBe('verified');
		expect(rule([attestation({ attester: PATIENT_ATTESTER })]).status).toBe('unverified');
	});

	it('does not verify with a site attester the patient removed, and re-adding restores it', () => {
		const removed = removeAttester(EMPTY_TRUST_PREFERENCES, SITE_ATTESTER);
		expect(rule([attestation()], removed).status).toBe('unverified');
		expect(rule([attestation()], addAttester(removed, SITE_ATTESTER)).status).toBe('verified');
	});

	it('shows the newest valid attestation from a trusted attester', () => {
		const older = attestation({ time: NOW - 500, name: 'Old Name' });
		const newer = attestation({ time: NOW - 50, name: 'New Name', uid: `0x${'02'.repeat(32)}` });
		const newestUntrusted = attestation({ time: NOW - 1, name: 'Forged', attester: STRANGER });
		expect(rule([older, newer, newestUntrusted])).toMatchObject({ status: 'verified', name: 'New Name' });
	});

	it('verifies a provider the patient pinned, as pinned by them', () => {
		const prefs = pinProvider(EMPTY_TRUST_PREFERENCES, PROVIDER, 'My GP');
		expect(rule([], prefs)).toEqual({ status: 'verified', via: 'pinned', name: 'My GP' });
		expect(rule([], prefs, OTHER)).toEqual({ status: 'unverified' });
	});

	it('without an attestation service (no schema), only pins verify', () => {
		const r = verifyProvider({ provider: PROVIDER, schema: null, attestations: [attestation()], siteAttesters: [SITE_ATTESTER], prefs: EMPTY_TRUST_PREFERENCES, now: NOW });
		expect(r.status).toBe('unverified');
	});

	it('does not count an attestation with an empty name', () => {
		expect(rule([attestation({ name: '  ' })]).status).toBe('unverified');
	});
});

describe('trustedAttestersOf', () => {
	it('is the site list plus added minus removed, without duplicates', () => {
		let prefs = addAttester(EMPTY_TRUST_PREFERENCES, PATIENT_ATTESTER);
		prefs = addAttester(prefs, SITE_ATTESTER.toLowerCase());
		expect(trustedAttestersOf([SITE_ATTESTER], prefs).map((a) => a.toLowerCase())).toEqual([SITE_ATTESTER.toLowerCase(), PATIENT_ATTESTER]);
		expect(trustedAttestersOf([SITE_ATTESTER], removeAttester(prefs, SITE_ATTESTER))).toEqual([PATIENT_ATTESTER]);
	});
});

describe('block filter', () => {
	it('drops the blocked senders’ items and keeps the rest, in order', () => {
		const prefs = blockSender(EMPTY_TRUST_PREFERENCES, OTHER.toUpperCase().replace('0X', '0x'), 'Spammer');
		const items = [{ from: PROVIDER, n: 1 }, { from: OTHER, n: 2 }, { from: PROVIDER, n: 3 }];
		expect(withoutBlocked(prefs, items, (i) => i.from).map((i) => i.n)).toEqual([1, 3]);
		expect(isBlocked(prefs, OTHER)).toBe(true);
		expect(isBlocked(prefs, PROVIDER)).toBe(false);
	});
});
