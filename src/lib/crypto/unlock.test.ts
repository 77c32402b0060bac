import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
	isRecoveryCodeValid,
	kekFromPassphrase,
	kekFromRecoveryCode,
	kekFromSignature,
	kekFromSignatures,
	makeRecoveryCode,
	parseRecoveryCode,
	unlockMessage,
	PASSPHRASE_ARGON2
} from './unlock';
import { bytesToHex } from './encoding';
import { hkdfSha256 } from './hkdf';
import { InvalidInputError, NonDeterministicSignerError, RecoveryCodeInvalidError } from './errors';
import { getSodium } from './sodium';
import { deterministicRandom, fromHex } from './testkit';
import argon2 from './vectors/argon2id.json';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const salt = new Uint8Array(16).fill(5);
const sig = (b: number) => new Uint8Array(65).fill(b);

describe('unlockMessage', () => {
	it('is the fixed EIP-4361 style message', () => {
		const msg = unlockMessage({ domain: 'carevault.example', address: ADDRESS.toLowerCase(), chainId: 31337 });
		const lines = msg.split('\n');
		expect(lines.slice(0, 8)).toEqual([
			'carevault.example wants you to sign in with your Ethereum account:',
			ADDRESS, // checksummed whatever the input case
			'',
			'Unlock my Carevault. Only sign this on carevault.example.',
			'',
			'URI: https://carevault.example',
			'Version: 1',
			'Chain ID: 31337'
		]);
		expect(lines[8]).toMatch(/^Nonce: [0-9a-f]{16}$/);
		expect(lines).toHaveLength(9);
		expect(msg).not.toContain('Issued At');
	});

	it('is deterministic per wallet and differs by domain, address and chain', () => {
		const base = { domain: 'carevault.example', address: ADDRESS, chainId: 1 };
		const m = unlockMessage(base);
		expect(unlockMessage({ ...base, address: ADDRESS.toUpperCase().replace('0X', '0x') })).toBe(m);
		expect(unlockMessage({ ...base, domain: 'evil.example' })).not.toBe(m);
		expect(unlockMessage({ ...base, chainId: 2 })).not.toBe(m);
		const other = unlockMessage({ ...base, address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
		expect(other.split('\n')[8]).not.toBe(m.split('\n')[8]);
		expect(unlockMessage({ ...base, uri: 'http://localhost:5173/' })).toContain('URI: http://localhost:5173/');
	});

	it('rejects malformed parameters', () => {
		const base = { domain: 'localhost:5173', address: ADDRESS, chainId: 1 };
		expect(() => unlockMessage({ ...base, domain: '' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...base, domain: 'a.example\nURI: x' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...base, address: '0x1234' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...base, chainId: 0 })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...base, chainId: 1.5 })).toThrow(InvalidInputError);
	});
});

describe('wallet KEK', () => {
	it('is HKDF-SHA256(signature, salt, "carevault/v1/wallet-kek")', async () => {
		const kek = await kekFromSignature(sig(1), salt);
		expect(kek).toHaveLength(32);
		expect(bytesToHex(kek)).toBe(bytesToHex(await hkdfSha256(sig(1), salt, 'carevault/v1/wallet-kek', 32)));
		expect(bytesToHex(await kekFromSignatures(sig(1), sig(1), salt))).toBe(bytesToHex(kek));
		expect(bytesToHex(await kekFromSignature(sig(1), new Uint8Array(16)))).not.toBe(bytesToHex(kek));
	});

	it('refuses two different signatures', async () => {
		await expect(kekFromSignatures(sig(1), sig(2), salt)).rejects.toThrow(NonDeterministicSignerError);
		await expect(kekFromSignatures(sig(1), new Uint8Array(66).fill(1), salt)).rejects.toThrow(NonDeterministicSignerError);
		const err = await kekFromSignatures(sig(1), sig(2), salt).catch((e: unknown) => e);
		expect((err as Error).message).toBe(
			'Your wallet gave two different signatures for the same message, so it cannot unlock a vault reliably. Use a passphrase instead.'
		);
	});

	it('checks lengths', async () => {
		await expect(kekFromSignature(new Uint8Array(10), salt)).rejects.toThrow(
			'signature: expected Uint8Array of length >= 64, got length=10'
		);
		await expect(kekFromSignature(sig(1), new Uint8Array(15))).rejects.toThrow(
			'salt: expected Uint8Array of length 16, got length=15'
		);
	});
});

describe('passphrase KEK (Argon2id)', () => {
	for (const v of argon2.vectors) {
		it(`libsodium known answer ${v.name}`, async () => {
			const s = await getSodium();
			const out = s.crypto_pwhash(v.outlen, fromHex(v.password), fromHex(v.salt), v.opslimit, v.memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
			expect(bytesToHex(out)).toBe(v.output);
		});
	}

	it('uses Argon2id13 with the INTERACTIVE limits over the NFKC passphrase', async () => {
		const s = await getSodium();
		expect(PASSPHRASE_ARGON2.opslimit).toBe(s.crypto_pwhash_OPSLIMIT_INTERACTIVE);
		expect(PASSPHRASE_ARGON2.memlimit).toBe(s.crypto_pwhash_MEMLIMIT_INTERACTIVE);
		const kek = await kekFromPassphrase('correct horse ﬁ', salt);
		const expected = s.crypto_pwhash(32, new TextEncoder().encode('correct horse fi'), salt, 2, 64 * 1024 * 1024, s.crypto_pwhash_ALG_ARGON2ID13);
		expect(bytesToHex(kek)).toBe(bytesToHex(expected));
	});

	it('differs by passphrase and salt; cheap parameters can be passed', async () => {
		const cheap = { alg: 'argon2id13', opslimit: 1, memlimit: 8192 } as const;
		const a = bytesToHex(await kekFromPassphrase('a', salt, cheap));
		expect(bytesToHex(await kekFromPassphrase('a', salt, cheap))).toBe(a);
		expect(bytesToHex(await kekFromPassphrase('b', salt, cheap))).not.toBe(a);
		expect(bytesToHex(await kekFromPassphrase('a', new Uint8Array(16), cheap))).not.toBe(a);
		await expect(kekFromPassphrase('', salt, cheap)).rejects.toThrow(InvalidInputError);
	});
});

describe('recovery codes', () => {
	it('looks like seven groups of four Crockford base32 characters', () => {
		const code = makeRecoveryCode();
		expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
		expect(makeRecoveryCode()).not.toBe(code);
	});

	it('is deterministic with injected randomness and carries the 128 bits', () => {
		const random = deterministicRandom(7);
		const entropy = deterministicRandom(7)(16);
		const code = makeRecoveryCode(random);
		expect(bytesToHex(parseRecoveryCode(code))).toBe(bytesToHex(entropy));
		expect(makeRecoveryCode(() => new Uint8Array(16))).toBe('0000-0000-0000-0000-0000-0000-0000');
	});

	it('forgives case, spaces, dashes and I/L/O misreadings', async () => {
		const code = makeRecoveryCode();
		const sloppy = code.toLowerCase().replace(/-/g, ' ').replace(/1/g, 'l').replace(/0/g, 'o');
		expect(bytesToHex(parseRecoveryCode(sloppy))).toBe(bytesToHex(parseRecoveryCode(code)));
		expect(bytesToHex(await kekFromRecoveryCode(sloppy, salt))).toBe(bytesToHex(await kekFromRecoveryCode(code, salt)));
	});

	test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(), fc.integer({ min: 1, max: 31 })])(
		'every single-character typo is caught',
		(entropy, position, delta) => {
			const code = makeRecoveryCode(() => entropy).replace(/-/g, '');
			const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
			const i = position % code.length;
			const typo = code.slice(0, i) + alphabet[(alphabet.indexOf(code[i]) + delta) % 32] + code.slice(i + 1);
			expect(() => parseRecoveryCode(typo)).toThrow(RecoveryCodeInvalidError);
		}
	);

	test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat()])('every swap of two adjacent different characters is caught', (entropy, position) => {
		const code = makeRecoveryCode(() => entropy).replace(/-/g, '');
		const i = position % (code.length - 1);
		fc.pre(code[i] !== code[i + 1]);
		const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
		expect(isRecoveryCodeValid(swapped)).toBe(false);
	});

	it('rejects wrong lengths and characters with RecoveryCodeInvalidError', async () => {
		const code = makeRecoveryCode();
		expect(() => parseRecoveryCode(code.slice(0, -1))).toThrow(RecoveryCodeInvalidError);
		expect(() => parseRecoveryCode(`${code}A`)).toThrow(RecoveryCodeInvalidError);
		expect(() => parseRecoveryCode(code.replace(/^./, 'U'))).toThrow(RecoveryCodeInvalidError);
		await expect(kekFromRecoveryCode(code.replace(/^./, 'U'), salt)).rejects.toThrow(RecoveryCodeInvalidError);
		expect(isRecoveryCodeValid(code)).toBe(true);
	});

	it('gives the HKDF key of its entropy', async () => {
		const code = makeRecoveryCode();
		expect(bytesToHex(await kekFromRecoveryCode(code, salt))).toBe(
			bytesToHex(await hkdfSha256(parseRecoveryCode(code), salt, 'carevault/v1/recovery-kek', 32))
		);
	});
});
