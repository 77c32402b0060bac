/**
 * The directory of verified providers against a real anvil with EAS
 * (scripts/deploy.mjs) and attestations made by scripts/attest.mjs: only what
 * a trusted attester validly attested (or the patient pinned) is listed, under
 * the attested name, never a self-registered one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import { startTestChain, type TestChain } from '../../../../tests/setup/anvil';
import { attestProvider, revokeAttestation } from '../../../../scripts/attest.mjs';
import { deriveVaultKeys, publicKeysOf } from '../../crypto/keys';
import { createAttestationReader } from '../../chain/attestationChain';
import { createProviderChain } from '../../chain/providerChain';
import { createVaultChain } from '../../chain/vaultChain';
import { EMPTY_TRUST_PREFERENCES, addAttester, pinProvider, removeAttester } from './preferences';
import { listVerifiedProviders, searchDirectory, type DirectoryEntry } from './directory';

let t: TestChain;
let KEYS: readonly string[];
const SITE_ATTESTER = 9;
const OTHER_ATTESTER = 8;
const [LAB, CLINIC, REVOKED, EXPIRED, UNTRUSTED, STRANGER, PINNED] = [1, 2, 3, 4, 5, 6, 7];
const addr = (i: number) => t.account(i).address;
const reader = () => createAttestationReader({ publicClient: t.publicClient, addresses: t.config.contracts, fromBlock: BigInt(t.deployBlock), logBlockRange: 7 });
const site = () => ({ schema: t.providerSchemaUid, attesters: [addr(SITE_ATTESTER)] });
const attest = (provider: number, name: string, opts: { attester?: number; expiresAt?: number; role?: string } = {}) =>
	attestProvider({
		rpcUrl: t.rpcUrl,
		privateKey: KEYS[opts.attester ?? SITE_ATTESTER] as Hex,
		eas: t.config.contracts.eas!,
		schemaUid: t.providerSchemaUid,
		provider: addr(provider),
		name,
		role: opts.role ?? 'lab',
		licence: `NPI ${provider}`,
		...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {})
	});

beforeAll(async () => {
	t = await startTestChain();
	KEYS = (await import('../../../../scripts/anvil.mjs')).ANVIL_PRIVATE_KEYS;
	const now = Number((await t.publicClient.getBlock()).timestamp);
	await attest(LAB, 'City Hospital Lab');
	await attest(CLINIC, 'Clínica Santa María', { role: 'physician' });
	const revoked = await attest(REVOKED, 'Revoked Radiology');
	await revokeAttestation({ rpcUrl: t.rpcUrl, privateKey: KEYS[SITE_ATTESTER] as Hex, eas: t.config.contracts.eas!, schemaUid: t.providerSchemaUid, uid: revoked });
	await attest(EXPIRED, 'Expired Pharmacy', { expiresAt: now + 60 });
	await attest(UNTRUSTED, 'Untrusted Imaging', { attester: OTHER_ATTESTER });
	// A stranger registers itself under a real lab's name: registered, never attested.
	const k = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
	const w = { publicClient: t.publicClient, walletClient: t.walletClient(STRANGER), account: t.account(STRANGER), addresses: { ...t.config.contracts, proposals: t.config.contracts.proposals! } };
	await createVaultChain(w).publishKeys(publicKeysOf(k));
	await createProviderChain(w).registerProvider({ name: 'City Hospital Lab', role: 'lab' });
	// Past the short attestation's expiry.
	await t.publicClient.request({ method: 'evm_increaseTime' as never, params: [3600] as never });
	await t.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
});
afterAll(async () => {
	await t?.stop();
});

describe('listVerifiedProviders', () => {
	it('lists only valid attestations by trusted attesters, under the attested names, sorted by name', async () => {
		const list = await listVerifiedProviders({ attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES);
		expect(list).toEqual([
			{ address: addr(LAB), name: 'City Hospital Lab', role: 'lab', licenceId: `NPI ${LAB}`, verifiedBy: addr(SITE_ATTESTER) },
			{ address: addr(CLINIC), name: 'Clínica Santa María', role: 'physician', licenceId: `NPI ${CLINIC}`, verifiedBy: addr(SITE_ATTESTER) }
		]);
		// The stranger who registered "City Hospital Lab" is not in it.
		expect(list.map((e) => e.address)).not.toContain(addr(STRANGER));
	});

	it('follows the patient’s attesters and pins', async () => {
		let prefs = addAttester(EMPTY_TRUST_PREFERENCES, addr(OTHER_ATTESTER));
		prefs = pinProvider(prefs, addr(PINNED), 'My own GP');
		prefs = removeAttester(prefs, addr(SITE_ATTESTER));
		const list = await listVerifiedProviders({ attestations: reader() }, site(), prefs);
		expect(list).toEqual([
			{ address: addr(PINNED), name: 'My own GP', role: '', licenceId: '', verifiedBy: 'you' },
			{ address: addr(UNTRUSTED), name: 'Untrusted Imaging', role: 'lab', licenceId: `NPI ${UNTRUSTED}`, verifiedBy: addr(OTHER_ATTESTER) }
		]);
	});

	it('without an attestation service: only pins', async () => {
		const prefs = pinProvider(EMPTY_TRUST_PREFERENCES, addr(PINNED), 'My own GP');
		expect(await listVerifiedProviders({}, { schema: null, attesters: [] }, prefs)).toEqual([{ address: addr(PINNED), name: 'My own GP', role: '', licenceId: '', verifiedBy: 'you' }]);
	});
});

describe('searchDirectory', () => {
	const entries: DirectoryEntry[] = [
		{ address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', name: 'City Hospital Lab', role: 'lab', licenceId: 'NPI 1', verifiedBy: 'you' },
		{ address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', name: 'Clínica Santa María', role: 'physician', licenceId: 'NPI 2', verifiedBy: 'you' },
		{ address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', name: 'Hospital Pharmacy', role: 'pharmacy', licenceId: 'NPI 3', verifiedBy: 'you' }
	];
	const names = (q: string) => searchDirectory(entries, q).map((e) => e.name);

	it('matches every word in the name, role or licence, case and accents ignored; names starting with the query first', () => {
		expect(names('hospital')).toEqual(['Hospital Pharmacy', 'City Hospital Lab']);
		expect(names('clinica maria')).toEqual(['Clínica Santa María']);
		expect(names('LAB city')).toEqual(['City Hospital Lab']);
		expect(names('physician')).toEqual(['Clínica Santa María']);
		expect(names('dentist')).toEqual([]);
	});

	it('an address prefix finds by address; an empty query lists everything', () => {
		expect(names('0x3c44')).toEqual(['Clínica Santa María']);
		expect(names('  ')).toHaveLength(3);
	});
});
