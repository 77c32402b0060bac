import { describe, expect, it } from 'vitest';
import { assertStrongPassphrase, MIN_PASSPHRASE_SCORE, passphraseStrength } from './passphraseStrength';
import { WeakPassphraseError } from './errors';

describe('passphrase strength (zxcvbn-ts, common + English dictionaries)', () => {
	it('refuses guessable passphrases with zxcvbn\'s warning and suggestions as the reason', async () => {
		for (const weak of ['password123456', 'Summer2024!', 'qwertyuiop123', 'carevaultcarevault', 'aaaaaaaaaaaaaaaa']) {
			const strength = await passphraseStrength(weak);
			expect(strength.score, weak).toBeLessThan(MIN_PASSPHRASE_SCORE);
			expect(strength.ok, weak).toBe(false);
			const err = await assertStrongPassphrase(weak).catch((e: unknown) => e);
			expect(err, weak).toBeInstanceOf(WeakPassphraseError);
			expect((err as WeakPassphraseError).reasons).toEqual(strength.reasons);
			expect((err as Error).message).toMatch(/^This passphrase is too easy to guess\. /);
		}
		const common = await passphraseStrength('password123456');
		expect(common.reasons).toEqual(['This is similar to a commonly used password.', 'Add more words that are less common.']);
	});

	it('accepts passphrases of unrelated words', async () => {
		for (const strong of ['correct horse battery staple', 'tulip river 42 lantern', 'plaid-otter-sings-quietly-91']) {
			const strength = await passphraseStrength(strong);
			expect(strength.score, strong).toBeGreaterThanOrEqual(MIN_PASSPHRASE_SCORE);
			expect(strength.ok).toBe(true);
			await expect(assertStrongPassphrase(strong)).resolves.toBeUndefined();
		}
	});

	it('counts the user\'s own inputs (e.g. the wallet address) as known words', async () => {
		const address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
		expect((await passphraseStrength(address)).ok).toBe(true);
		expect((await passphraseStrength(address, [address])).ok).toBe(false);
	});
});
