import { InvalidInputError } from './errors';
import { checkBytes, checkInteger } from './input';

/**
 * HKDF-SHA256 (RFC 5869) through Web Crypto, which browsers and node both
 * ship; libsodium.js exposes no HKDF function.
 */
export async function hkdfSha256(
	ikm: Uint8Array,
	salt: Uint8Array,
	info: Uint8Array | string,
	length = 32
): Promise<Uint8Array> {
	checkBytes('ikm', ikm);
	checkBytes('salt', salt);
	checkInteger('length', length, 1);
	if (length > 255 * 32) throw new InvalidInputError(`length: expected at most ${255 * 32}, got ${length}`);
	const infoBytes = typeof info === 'string' ? new TextEncoder().encode(info) : checkBytes('info', info);
	const subtle = globalThis.crypto.subtle;
	const key = await subtle.importKey('raw', ikm as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits']);
	const bits = await subtle.deriveBits(
		{ name: 'HKDF', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, info: infoBytes as Uint8Array<ArrayBuffer> },
		key,
		length * 8
	);
	return new Uint8Array(bits);
}
