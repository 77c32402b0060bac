/**
 * Provider verification against a real anvil with the Ethereum Attestation
 * Service deployed (scripts/deploy.mjs): attestations made with EAS's own
 * contracts are found by the viem adapter and judged by the trust rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAbiParameters, zeroAddress, zeroHash, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import { attestProvider, revokeAttestation } from '../../../scripts/attest.mjs';
import { easArtifact, PROVIDER_SCHEMA, schemaUid } from '../../../scripts/deploy.mjs';
import { deriveVaultKeys, publicKeysOf } from '../crypto/keys';
import { EMPTY_TRUST_PREFERENCES, pinProvider, removeAttester, addAttester } from '../vault/providers/preferences';
import { identifyProvider } from '../vault/providers/identify';
import { createAttestationReader } from './attestationChain';
import { createProviderChain } from './providerChain';
import { createVaultChain } from './vaultChain';

let t: TestChain;
const SITE_ATTESTER = 9;
const OTHER_ATTESTER = 8;
// Each case attests a different provider so cases do not see each other's attestations.
const [VERIFIED, REVOKED, OTHER_SCHEMA, UNTRUSTED, REMOVED, PINNED, STRANGER] = [1, 2, 3, 4, 5, 6, 7];

const addr = (i: number) => t.account(i).address;
const reader = () => createAttestationReader({ publicClient: t.publicClient, addresses: t.config.contracts, fromBlock: BigInt(t.deployBlock), logBlockRange: 5 });
const directory = () => createProviderChain({ publicClient: t.publicClient, addresses: { ...t.config.contracts, proposals: t.config.contracts.proposals! } });
const site = () => ({ schema: t.providerSchemaUid, attesters: [addr(SITE_ATTESTER)] });
const attest = (provider: number, attester = SITE_ATTESTER, schema: Hex = t.providerSchemaUid) =>
	attestProvider({
		rpcUrl: t.rpcUrl,
		privateKey: ANVIL_KEYS[attester] as Hex,
		eas: t.config.contracts.eas!,
		schemaUid: schema,
		provider: addr(provider),
		name: 'City Hospital Lab',
		role: 'lab',
		licence: 'NPI 123'
	});
let ANVIL_KEYS: readonly string[];

beforeAll(async () => {
	t = await startTestChain();
	ANVIL_KEYS = (await import('../../../scripts/anvil.mjs')).ANVIL_PRIVATE_KEYS;
	// The stranger registers itself under the name a real lab uses.
	const k = await deriveVaultKeys(crypto.getRandomValues(new Uint8Array(32)));
	const walletOf = (i: number) => ({ publicClient: t.publicClient, walletClient: t.walletClient(i), account: t.account(i), addresses: { ...t.config.contracts, proposals: t.config.contracts.proposals! } });
	await createVaultChain(walletOf(STRANGER)).publishKeys(publicKeysOf(k));
	await createProviderChain(walletOf(STRANGER)).registerProvider({ name: 'City Hospital Lab', role: 'lab' });
});
afterAll(async () => {
	await t?.stop();
});

describe('EAS on the local chain', () => {
	it('registers the provider schema under the UID the config names', async () => {
		const { abi } = easArtifact('SchemaRegistry');
		const record = (await t.publicClient.readContract({ address: t.config.contracts.schemaRegistry!, abi, functionName: 'getSchema', args: [t.providerSchemaUid] })) as {
			uid: Hex;
			schema: string;
			revocable: boolean;
			resolver: Hex;
		};
		expect(record).toMatchObject({ uid: t.providerSchemaUid, schema: PROVIDER_SCHEMA, revocable: true, resolver: zeroAddress });
	});
});

describe('identifyProvider against EAS', () => {
	it('a self-registered name alone is unverified', async () => {
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, addr(STRANGER));
		expect(id.declared).toEqual({ name: 'City Hospital Lab', role: 'lab' });
		expect(id.trust).toEqual({ status: 'unverified' });
	});

	it('attested by a trusted attester: verified, with the attested name and the attester', async () => {
		const uid = await attest(VERIFIED);
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, addr(VERIFIED));
		expect(id.problem).toBeUndefined();
		expect(id.declared).toBeNull();
		expect(id.trust).toEqual({ status: 'verified', via: 'attestation', name: 'City Hospital Lab', role: 'lab', licenceId: 'NPI 123', attester: addr(SITE_ATTESTER), uid });
	});

	it('revoked: unverified', async () => {
		const uid = await attest(REVOKED);
		const before = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, addr(REVOKED));
		expect(before.trust.status).toBe('verified');
		await revokeAttestation({ rpcUrl: t.rpcUrl, privateKey: ANVIL_KEYS[SITE_ATTESTER] as Hex, eas: t.config.contracts.eas!, schemaUid: t.providerSchemaUid, uid });
		const after = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, addr(REVOKED));
		expect(after.trust).toEqual({ status: 'unverified' });
	});

	it('an attestation under another schema (same fields): unverified', async () => {
		const otherSchema = 'string name,string role,string licenceId,string note';
		const { abi } = easArtifact('SchemaRegistry');
		const hash = await t.walletClient(SITE_ATTESTER).writeContract({ address: t.config.contracts.schemaRegistry!, abi, functionName: 'register', args: [otherSchema, zeroAddress, true] });
		await t.publicClient.waitForTransactionReceipt({ hash });
		// The data decodes as the provider schema's three strings; only the schema UID differs.
		await attest(OTHER_SCHEMA, SITE_ATTESTER, schemaUid(otherSchema));
		const found = await reader().providerAttestations({ provider: addr(OTHER_SCHEMA), attesters: [addr(SITE_ATTESTER)], schema: t.providerSchemaUid });
		expect(found).toEqual([]);
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, addr(OTHER_SCHEMA));
		expect(id.trust).toEqual({ status: 'unverified' });
	});

	it('attested by an attester nobody trusts: unverified, until the patient adds that attester', async () => {
		await attest(UNTRUSTED, OTHER_ATTESTER);
		const deps = { providers: directory(), attestations: reader() };
		expect((await identifyProvider(deps, site(), EMPTY_TRUST_PREFERENCES, addr(UNTRUSTED))).trust).toEqual({ status: 'unverified' });
		const added = addAttester(EMPTY_TRUST_PREFERENCES, addr(OTHER_ATTESTER));
		expect((await identifyProvider(deps, site(), added, addr(UNTRUSTED))).trust).toMatchObject({ status: 'verified', attester: addr(OTHER_ATTESTER) });
	});

	it('attested by a site attester the patient removed: unverified', async () => {
		await attest(REMOVED);
		const prefs = removeAttester(EMPTY_TRUST_PREFERENCES, addr(SITE_ATTESTER));
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), prefs, addr(REMOVED));
		expect(id.trust).toEqual({ status: 'unverified' });
	});

	it('pinned by the patient: verified by them, without any attestation', async () => {
		const prefs = pinProvider(EMPTY_TRUST_PREFERENCES, addr(PINNED), 'My own GP');
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), prefs, addr(PINNED));
		expect(id.trust).toEqual({ status: 'verified', via: 'pinned', name: 'My own GP' });
	});

	it('skips attestations whose data is not the provider schema’s', async () => {
		const { abi } = easArtifact('EAS');
		const hash = await t.walletClient(SITE_ATTESTER).writeContract({
			address: t.config.contracts.eas!,
			abi,
			functionName: 'attest',
			args: [{ schema: t.providerSchemaUid, data: { recipient: addr(0), expirationTime: 0n, revocable: true, refUID: zeroHash, data: encodeAbiParameters([{ type: 'uint256' }], [5n]), value: 0n } }]
		});
		await t.publicClient.waitForTransactionReceipt({ hash });
		expect(await reader().providerAttestations({ provider: addr(0), attesters: [addr(SITE_ATTESTER)], schema: t.providerSchemaUid })).toEqual([]);
	});

	it('judges validity by the chain’s clock: a fresh attestation on a chain days ahead of this device is verified', async () => {
		// EAS stamps attestations with block time; a device clock behind the chain's must not make them "from the future".
		await t.publicClient.request({ method: 'evm_increaseTime' as never, params: [3 * 86_400] as never });
		await t.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
		const provider = privateKeyToAddress(generatePrivateKey());
		await attestProvider({
			rpcUrl: t.rpcUrl,
			privateKey: ANVIL_KEYS[SITE_ATTESTER] as Hex,
			eas: t.config.contracts.eas!,
			schemaUid: t.providerSchemaUid,
			provider,
			name: 'Harbour Clinic',
			role: 'physician',
			licence: 'GMC 7654321'
		});
		const chainNow = await reader().chainTime();
		expect(chainNow).toBeGreaterThan(Math.floor(Date.now() / 1000) + 2 * 86_400);
		const id = await identifyProvider({ providers: directory(), attestations: reader() }, site(), EMPTY_TRUST_PREFERENCES, provider);
		expect(id.trust).toMatchObject({ status: 'verified', name: 'Harbour Clinic' });
	});
});
