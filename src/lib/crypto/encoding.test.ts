import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { bytesToHex, canonicalJson, fromBase64, hexToBytes, toBase64 } from './encoding';
import { InvalidInputError } from './errors';
import { getSodium } from './sodium';

describe('base64', () => {
	it('RFC 4648 section 10 vectors', () => {
		const cases: Array<[string, string]> = [
			['', ''],
			['f', 'Zg=='],
			['fo', 'Zm8='],
			['foo', 'Zm9v'],
			['foob', 'Zm9vYg=='],
			['fooba', 'Zm9vYmE='],
			['foobar', 'Zm9vYmFy']
		];
		for (const [plain, b64] of cases) {
			expect(toBase64(new TextEncoder().encode(plain))).toBe(b64);
			expect(new TextDecoder().decode(fromBase64(b64))).toBe(plain);
		}
	});

	test.prop([fc.uint8Array({ maxLength: 200 })])('matches sodium ORIGINAL and round trips', async (bytes) => {
		const sodium = await getSodium();
		const b64 = toBase64(bytes);
		expect(b64).toBe(sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL));
		expect(bytesToHex(fromBase64(b64))).toBe(sodium.to_hex(bytes));
	});

	it('rejects malformed input', () => {
		for (const bad of ['Zg', 'Zg=', 'Z===', 'Zh==', 'Zm9=', 'Zm 9v', 'Zm9v\n', 'Zm-v', 'Zm_v', 'é===']) {
			expect(() => fromBase64(bad), bad).toThrow(InvalidInputError);
		}
	});
});

describe('hex', () => {
	test.prop([fc.uint8Array({ maxLength: 100 })])('round trips', (bytes) => {
		const hex = bytesToHex(bytes);
		expect(hex).toMatch(/^[0-9a-f]*$/);
		expect(bytesToHex(hexToBytes(hex))).toBe(hex);
		expect(bytesToHex(hexToBytes(`0x${hex.toUpperCase()}`))).toBe(hex);
	});

	it('rejects odd lengths and non-hex digits', () => {
		expect(() => hexToBytes('abc')).toThrow(InvalidInputError);
		expect(() => hexToBytes('0xzz')).toThrow(InvalidInputError);
	});
});

describe('canonicalJson', () => {
	it('sorts keys recursively and drops undefined', () => {
		expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: null }], c: 'x' }, u: undefined })).toBe(
			'{"a":{"c":"x","d":[3,{"y":null,"z":1}]},"b":1}'
		);
	});

	test.prop([fc.jsonValue()])('is stable under key reordering and parses back', (value) => {
		const text = canonicalJson(value);
		const reordered = JSON.parse(text, (_k, v) =>
			v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v
		);
		expect(canonicalJson(reordered)).toBe(text);
		expect(canonicalJson(JSON.parse(text))).toBe(text);
	});

	it('rejects values JSON cannot carry faithfully', () => {
		expect(() => canonicalJson({ a: NaN })).toThrow(InvalidInputError);
		expect(() => canonicalJson({ a: 1n })).toThrow(InvalidInputError);
		expect(() => canonicalJson({ a: new Uint8Array(1) })).toThrow(InvalidInputError);
		expect(() => canonicalJson(new Date(0))).toThrow(InvalidInputError);
	});
});
