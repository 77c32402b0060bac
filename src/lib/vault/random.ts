/** Cryptographically secure random bytes (Web Crypto, in browsers and node). */
export function randomBytes(length: number): Uint8Array {
	return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** A random id for records and attachments: 128 bits, hex. */
export function randomId(): string {
	return Array.from(randomBytes(16), (b) => b.toString(16).padStart(2, '0')).join('');
}
