import { describe, expect, it } from 'vitest';
import { hkdfSha256 } from './hkdf';
import { bytesToHex } from './encoding';
import { InvalidInputError } from './errors';
import { fromHex } from './testkit';
import vectors from './vectors/hkdf-sha256.json';

describe('hkdfSha256', () => {
	for (const v of vectors.vectors) {
		it(v.name, async () => {
			const okm = await hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length);
			expect(bytesToHex(okm)).toBe(v.okm);
		});
	}

	it('treats a string info as UTF-8', async () => {
		const ikm = new Uint8Array(32).fill(7);
		const salt = new Uint8Array(16);
		expect(bytesToHex(await hkdfSha256(ikm, salt, 'carevault/v1/x'))).toBe(
			bytesToHex(await hkdfSha256(ikm, salt, new TextEncoder().encode('carevault/v1/x')))
		);
	});

	it('checks its inputs', async () => {
		await expect(hkdfSha256('x' as unknown as Uint8Array, new Uint8Array(0), 'i')).rejects.toThrow(InvalidInputError);
		await expect(hkdfSha256(new Uint8Array(1), new Uint8Array(0), 'i', 0)).rejects.toThrow(InvalidInputError);
		await expect(hkdfSha256(new Uint8Array(1), new Uint8Array(0), 'i', 255 * 32 + 1)).rejects.toThrow(InvalidInputError);
	});
});
