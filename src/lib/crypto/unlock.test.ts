import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
	isRecoveryCodeValid,
	kekFromPassphrase,
	kekFromRecoveryCode,
	kekFromSignature,
	kekFromSignatures,
	makeRecoveryCode,
	newUnlockChallenge,
	normalizeSignature,
	parseRecoveryCode,
	unlockMessage,
	unlockStatement,
	PASSPHRASE_ARGON2
} from './unlock';
import siweParser from '@spruceid/siwe-parser';
import {
	getAddress,
	hexToBigInt,
	hexToBytes,
	numberToHex,
	parseSignature,
	recoverMessageAddress,
	serializeCompactSignature,
	serializeSignature,
	signatureToCompactSignature,
	toHex
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { bytesToHex } from './encoding';
import { hkdfSha256 } from './hkdf';
import { InvalidInputError, NonDeterministicSignerError, RecoveryCodeInvalidError } from './errors';
import { getSodium } from './sodium';
import { deterministicRandom, fromHex } from './testkit';
import argon2 from './vectors/argon2id.json';

const { ParsedMessage: SiweParsedMessage } = siweParser;

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const salt = new Uint8Array(16).fill(5);
const sig = (b: number) => new Uint8Array(65).fill(b);

const MESSAGE = {
	domain: 'carevault.example',
	uri: 'https://carevault.example/',
	address: ADDRESS,
	chainId: 31337,
	nonce: '5f1d7a0c9b3e4d21a0b1c2d3e4f50617',
	issuedAt: '2026-11-29T22:00:00.000Z'
};

describe('unlockMessage', () => {
	it('is a valid EIP-4361 message: an independent parser reads back every field', () => {
		const msg = unlockMessage({ ...MESSAGE, address: ADDRESS.toLowerCase() });
		const parsed = new SiweParsedMessage(msg);
		expect(parsed).toMatchObject({
			domain: 'carevault.example',
			address: ADDRESS, // checksummed whatever the input case
			statement: 'Unlock your Carevault vault. This signature is your vault key: sign it only on carevault.example.',
			uri: 'https://carevault.example/',
			version: '1',
			chainId: 31337,
			nonce: MESSAGE.nonce,
			issuedAt: MESSAGE.issuedAt
		});
		expect(parsed.expirationTime).toBeUndefined();
		expect(parsed.notBefore).toBeUndefined();
		expect(parsed.resources).toBeUndefined();
		expect(msg.split('\n')).toEqual([
			'carevault.example wants you to sign in with your Ethereum account:',
			ADDRESS,
			'',
			'Unlock your Carevault vault. This signature is your vault key: sign it only on carevault.example.',
			'',
			'URI: https://carevault.example/',
			'Version: 1',
			'Chain ID: 31337',
			`Nonce: ${MESSAGE.nonce}`,
			'Issued At: 2026-11-29T22:00:00.000Z'
		]);
	});

	it('round-trips through the parser for any domain, address, chain, nonce and time', () => {
		fc.assert(
			fc.property(
				fc.domain().filter((d) => /\.[a-z]{2,63}$/.test(d)),
				fc.uint8Array({ minLength: 20, maxLength: 20 }),
				fc.integer({ min: 1, max: 2 ** 40 }),
				fc.uint8Array({ minLength: 16, maxLength: 16 }),
				fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }),
				(domain, addr, chainId, random, date) => {
					const address = getAddress(toHex(addr));
					const { nonce, issuedAt } = newUnlockChallenge({ random: () => random, now: date });
					const params = { domain, uri: `https://${domain}/`, address, chainId, nonce, issuedAt };
					const parsed = new SiweParsedMessage(unlockMessage(params));
					expect({ domain: parsed.domain, uri: parsed.uri, address: parsed.address, chainId: parsed.chainId, nonce: parsed.nonce, issuedAt: parsed.issuedAt }).toEqual(params);
					expect(parsed.statement).toBe(unlockStatement(domain));
				}
			),
			{ numRuns: 50 }
		);
	});

	it('is the same for the same fields and differs by each of them', () => {
		const m = unlockMessage(MESSAGE);
		expect(unlockMessage({ ...MESSAGE, address: ADDRESS.toUpperCase().replace('0X', '0x') })).toBe(m);
		for (const change of [
			{ domain: 'evil.example' },
			{ uri: 'https://evil.example/' },
			{ chainId: 2 },
			{ address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
			{ nonce: 'ffffffffffffffff' },
			{ issuedAt: '2026-11-29T22:00:01.000Z' }
		])
			expect(unlockMessage({ ...MESSAGE, ...change }), JSON.stringify(change)).not.toBe(m);
	});

	it('new challenges: a random 32-hex-character nonce and the current second', () => {
		const a = newUnlockChallenge({ now: new Date('2026-11-29T22:00:00.999Z') });
		expect(a.nonce).toMatch(/^[0-9a-f]{32}$/);
		expect(a.issuedAt).toBe('2026-11-29T22:00:00.000Z');
		expect(newUnlockChallenge().nonce).not.toBe(a.nonce);
		expect(newUnlockChallenge({ random: deterministicRandom(1) })).not.toEqual(newUnlockChallenge({ random: deterministicRandom(2) }));
	});

	it('rejects malformed parameters', () => {
		expect(() => unlockMessage({ ...MESSAGE, domain: '' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, domain: 'a.example\nURI: x' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, uri: 'not a uri' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, address: '0x1234' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, chainId: 0 })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, chainId: 1.5 })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, nonce: 'short' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, nonce: 'not-alphanumeric!' })).toThrow(InvalidInputError);
		// Only the exact toISOString form rebuilds the same message.
		expect(() => unlockMessage({ ...MESSAGE, issuedAt: '2026-11-29T22:00:00Z' })).toThrow(InvalidInputError);
		expect(() => unlockMessage({ ...MESSAGE, issuedAt: 'yesterday' })).toThrow(InvalidInputError);
	});
});

// secp256k1 group order, to build the high-s twin of a signature in the tests.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const walletSig = async (message = unlockMessage(MESSAGE)) => hexToBytes(await account.signMessage({ message }));

/** The same signature in the other encodings a wallet might send: high s, v as 0/1, EIP-2098 compact. */
function encodings(canonical: Uint8Array) {
	const { r, s, yParity } = parseSignature(toHex(canonical));
	const highS = serializeSignature({ r, s: numberToHex(N - hexToBigInt(s), { size: 32 }), yParity: 1 - yParity!, to: 'bytes' });
	const v01 = canonical.slice();
	v01[64] -= 27;
	const highSv01 = highS.slice();
	highSv01[64] -= 27;
	const compact = hexToBytes(serializeCompactSignature(signatureToCompactSignature({ r, s, yParity })));
	return { highS, v01, highSv01, compact };
}

describe('signature normalisation', () => {
	it('turns every encoding of one signature into the canonical low-s, v = 27/28 form', async () => {
		const canonical = await walletSig();
		expect(hexToBigInt(toHex(canonical.slice(32, 64)))).toBeLessThanOrEqual(N / 2n);
		expect([27, 28]).toContain(canonical[64]);
		for (const [name, other] of Object.entries(encodings(canonical))) {
			expect(toHex(other), name).not.toBe(toHex(canonical));
			expect(toHex(normalizeSignature(other)), name).toBe(toHex(canonical));
		}
		// The high-s form is a valid signature too: this is a real malleability, not a made-up one.
		const { highS } = encodings(canonical);
		expect(await recoverMessageAddress({ message: unlockMessage(MESSAGE), signature: toHex(highS) })).toBe(ADDRESS);
		expect(await recoverMessageAddress({ message: unlockMessage(MESSAGE), signature: toHex(normalizeSignature(highS)) })).toBe(ADDRESS);
	});

	it('refuses what is not a signature', () => {
		expect(() => normalizeSignature(new Uint8Array(66).fill(1))).toThrow('signature: expected Uint8Array of length 65 (or 64, EIP-2098), got length=66');
		expect(() => normalizeSignature(new Uint8Array(65))).toThrow(InvalidInputError); // r = s = 0
		const badV = sig(1);
		badV[64] = 29;
		expect(() => normalizeSignature(badV)).toThrow(InvalidInputError);
	});
});

describe('wallet KEK', () => {
	it('is HKDF-SHA256(normalised signature, salt, "carevault/v1/wallet-kek")', async () => {
		const signature = await walletSig();
		const kek = await kekFromSignature(signature, salt);
		expect(kek).toHaveLength(32);
		expect(bytesToHex(kek)).toBe(bytesToHex(await hkdfSha256(signature, salt, 'carevault/v1/wallet-kek', 32)));
		expect(bytesToHex(await kekFromSignatures(signature, signature, salt))).toBe(bytesToHex(kek));
		expect(bytesToHex(await kekFromSignature(signature, new Uint8Array(16)))).not.toBe(bytesToHex(kek));
	});

	it('a high-s, a v = 0/1 and a compact encoding of the same signature give the same KEK', async () => {
		const canonical = await walletSig();
		const kek = bytesToHex(await kekFromSignature(canonical, salt));
		for (const [name, other] of Object.entries(encodings(canonical))) {
			expect(bytesToHex(await kekFromSignature(other, salt)), name).toBe(kek);
			// The set-up check compares normalised signatures: re-encodings are the same signature.
			expect(bytesToHex(await kekFromSignatures(canonical, other, salt)), name).toBe(kek);
		}
	});

	it('refuses two different signatures', async () => {
		const a = await walletSig();
		const b = await walletSig(unlockMessage({ ...MESSAGE, nonce: 'ffffffffffffffff' }));
		await expect(kekFromSignatures(a, b, salt)).rejects.toThrow(NonDeterministicSignerError);
		await expect(kekFromSignatures(encodings(a).highS, b, salt)).rejects.toThrow(NonDeterministicSignerError);
		const err = await kekFromSignatures(a, b, salt).catch((e: unknown) => e);
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

	it('uses Argon2id13 with at least libsodium\'s MODERATE limits over the NFKC passphrase', async () => {
		const s = await getSodium();
		expect(PASSPHRASE_ARGON2.opslimit).toBeGreaterThanOrEqual(s.crypto_pwhash_OPSLIMIT_MODERATE);
		expect(PASSPHRASE_ARGON2.memlimit).toBeGreaterThanOrEqual(s.crypto_pwhash_MEMLIMIT_MODERATE);
		const kek = await kekFromPassphrase('correct horse ﬁ', salt);
		const expected = s.crypto_pwhash(
			32,
			new TextEncoder().encode('correct horse fi'),
			salt,
			s.crypto_pwhash_OPSLIMIT_MODERATE,
			s.crypto_pwhash_MEMLIMIT_MODERATE,
			s.crypto_pwhash_ALG_ARGON2ID13
		);
		expect(bytesToHex(kek)).toBe(bytesToHex(expected));
	}, 60_000);

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
