import { describe, expect, it } from 'vitest';
import { deriveVaultKeys } from '../../crypto/keys';
import { memoryLocal } from '../../../../tests/setup/memoryLocal';
import type { Hex } from '../ports';
import { TrustInputError, TrustPreferencesUnreadableError } from './errors';
import {
	addAttester,
	blockSender,
	EMPTY_TRUST_PREFERENCES,
	loadTrustPreferences,
	pinProvider,
	removeAttester,
	saveTrustPreferences,
	trustPreferencesKey,
	unblockSender,
	unpinProvider
} from './preferences';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as Hex;
const PROVIDER = '0x1111111111111111111111111111111111111111' as Hex;
const SPAMMER = '0x2222222222222222222222222222222222222222' as Hex;
const ATTESTER = '0x3333333333333333333333333333333333333333' as Hex;

const vaultOf = async (seed: number, address = ADDRESS) => ({ address, keys: await deriveVaultKeys(new Uint8Array(32).fill(seed)) });

function sample() {
	let prefs = addAttester(EMPTY_TRUST_PREFERENCES, ATTESTER);
	prefs = removeAttester(prefs, '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720');
	prefs = pinProvider(prefs, PROVIDER, 'Dr. Ada\u202E Moreau');
	return blockSender(prefs, SPAMMER, 'City Hospital Lab');
}

describe('trust preferences', () => {
	it('round-trips through the local store, encrypted', async () => {
		const local = memoryLocal();
		const vault = await vaultOf(1);
		expect(await loadTrustPreferences(local, vault)).toEqual(EMPTY_TRUST_PREFERENCES);
		const prefs = sample();
		await saveTrustPreferences(local, vault, prefs);
		expect(await loadTrustPreferences(local, vault)).toEqual(prefs);
		expect(prefs.pinned[0].name).toBe('Dr. Ada Moreau');

		const stored = await local.get(trustPreferencesKey(ADDRESS));
		const asText = new TextDecoder().decode(stored!);
		for (const clear of ['City Hospital Lab', 'Moreau', PROVIDER.slice(2).toLowerCase(), SPAMMER.slice(2), ATTESTER.slice(2), 'blocked', 'pinned'])
			expect(asText.toLowerCase()).not.toContain(clear.toLowerCase());
	});

	it('cannot be read with another vault’s keys or under another address', async () => {
		const local = memoryLocal();
		await saveTrustPreferences(local, await vaultOf(1), sample());
		await expect(loadTrustPreferences(local, await vaultOf(2))).rejects.toBeInstanceOf(TrustPreferencesUnreadableError);
		// Same keys, blob moved under another account's key: the address is bound as associated data.
		const other = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Hex;
		await local.put(trustPreferencesKey(other), (await local.get(trustPreferencesKey(ADDRESS)))!);
		await expect(loadTrustPreferences(local, await vaultOf(1, other))).rejects.toBeInstanceOf(TrustPreferencesUnreadableError);
	});

	it('refuses an altered blob', async () => {
		const local = memoryLocal();
		const vault = await vaultOf(1);
		await saveTrustPreferences(local, vault, sample());
		const blob = (await local.get(trustPreferencesKey(ADDRESS)))!;
		blob[blob.length - 1] ^= 1;
		await local.put(trustPreferencesKey(ADDRESS), blob);
		await expect(loadTrustPreferences(local, vault)).rejects.toBeInstanceOf(TrustPreferencesUnreadableError);
	});

	it('unpin and unblock undo pin and block', () => {
		const prefs = sample();
		expect(unpinProvider(prefs, PROVIDER.toUpperCase().replace('0X', '0x')).pinned).toEqual([]);
		expect(unblockSender(prefs, SPAMMER).blocked).toEqual([]);
	});

	it('refuses what is not an address, and an empty pin name', () => {
		expect(() => addAttester(EMPTY_TRUST_PREFERENCES, 'city hospital')).toThrow(TrustInputError);
		expect(() => blockSender(EMPTY_TRUST_PREFERENCES, '0x12')).toThrow(TrustInputError);
		expect(() => pinProvider(EMPTY_TRUST_PREFERENCES, PROVIDER, '\u200B ')).toThrow(TrustInputError);
	});
});
