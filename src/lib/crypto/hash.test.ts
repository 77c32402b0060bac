import { describe, expect, it } from 'vitest';
import { blake2b } from './hash';
import { bytesToHex } from './encoding';

describe('blake2b', () => {
	it('BLAKE2b-256 of the empty string and of "abc"', async () => {
		// Reference values computed by Python hashlib.blake2b(digest_size=32), listed in vectors/README.md.
		expect(bytesToHex(await blake2b(new Uint8Array(0)))).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
		expect(bytesToHex(await blake2b(new TextEncoder().encode('abc')))).toBe(
			'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319'
		);
	});
});
