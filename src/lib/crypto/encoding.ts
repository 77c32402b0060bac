import { InvalidInputError } from './errors';
import { checkBytes, checkString } from './input';

// Plain TypeScript rather than sodium.to_base64/to_hex: these run synchronously
// from code that may not have awaited libsodium's WASM. The output is the
// standard alphabet with padding, identical to sodium's ORIGINAL variant (the
// tests check this against sodium).
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 section 4, sodium's ORIGINAL variant). */
export function toBase64(bytes: Uint8Array): string {
	checkBytes('bytes', bytes);
	let out = '';
	let i = 0;
	for (; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
	}
	const rest = bytes.length - i;
	if (rest === 1) {
		const n = bytes[i] << 16;
		out += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
	} else if (rest === 2) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
		out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
	}
	return out;
}

/**
 * Strict inverse of toBase64: padding required, no whitespace, and unused
 * trailing bits must be zero, so every byte string has exactly one encoding.
 */
export function fromBase64(text: string): Uint8Array {
	checkString('base64', text);
	const fail = (why: string) => new InvalidInputError(`base64: ${why}`);
	if (text.length % 4 !== 0) throw fail(`length ${text.length} is not a multiple of 4`);
	const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	const out = new Uint8Array((text.length / 4) * 3 - pad);
	let o = 0;
	for (let i = 0; i < text.length; i += 4) {
		const last = i + 4 === text.length;
		const v = [0, 0, 0, 0];
		for (let j = 0; j < 4; j++) {
			const c = text.charCodeAt(i + j);
			if (last && j >= 4 - pad) {
				v[j] = 0;
				continue;
			}
			const d = c < 128 ? B64_INDEX[c] : -1;
			if (d < 0) throw fail(`invalid character at ${i + j}`);
			v[j] = d;
		}
		const n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
		if (last && pad === 2 && (v[1] & 15) !== 0) throw fail('non-zero trailing bits');
		if (last && pad === 1 && (v[2] & 3) !== 0) throw fail('non-zero trailing bits');
		out[o++] = n >> 16;
		if (o < out.length) out[o++] = (n >> 8) & 255;
		if (o < out.length) out[o++] = n & 255;
	}
	return out;
}

/** Lower-case hex, no prefix. */
export function bytesToHex(bytes: Uint8Array): string {
	checkBytes('bytes', bytes);
	let out = '';
	for (const b of bytes) out += b.toString(16).padStart(2, '0');
	return out;
}

/** Hex to bytes; accepts an optional 0x prefix and either case. */
export function hexToBytes(hex: string): Uint8Array {
	checkString('hex', hex);
	const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
	if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body))
		throw new InvalidInputError(`hex: expected an even number of hex digits, got "${hex.slice(0, 20)}${hex.length > 20 ? '…' : ''}"`);
	const out = new Uint8Array(body.length / 2);
	for (let i = 0; i < out.length; i++) out[i] = parseInt(body.slice(2 * i, 2 * i + 2), 16);
	return out;
}

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

/** Constant-time in the length of the inputs; for secrets use sodium.memcmp. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
	return diff === 0;
}

/**
 * JSON with object keys sorted (recursively) and no whitespace, so the same
 * value always hashes the same. Only JSON values are allowed: non-finite
 * numbers, bigints, functions and byte arrays are rejected rather than
 * silently turned into something else. Keys whose value is undefined are
 * dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
	return encode(value, '$');
}

function encode(value: unknown, path: string): string {
	if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new InvalidInputError(`canonicalJson: ${path} is not a finite number`);
		return JSON.stringify(value);
	}
	if (Array.isArray(value)) return `[${value.map((v, i) => encode(v ?? null, `${path}[${i}]`)).join(',')}]`;
	if (typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
		const proto = Object.getPrototypeOf(value);
		if (proto !== Object.prototype && proto !== null)
			throw new InvalidInputError(`canonicalJson: ${path} is not a plain object`);
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`)}`).join(',')}}`;
	}
	throw new InvalidInputError(`canonicalJson: ${path} has unsupported type ${typeof value}`);
}

/**
 * Reads an HTTP body whole, but never more than `limit` bytes (the declared
 * Content-Length is checked first): the bytes, or null when the body is
 * larger (the stream is then cancelled). Someone else's server decides how
 * much it sends; we decide how much we keep.
 */
export async function readAtMost(response: Pick<Response, 'headers' | 'body' | 'arrayBuffer'>, limit: number): Promise<Uint8Array | null> {
	const declared = Number(response.headers.get('content-length'));
	if (response.headers.has('content-length') && Number.isFinite(declared) && declared > limit) {
		await response.body?.cancel().catch(() => {});
		return null;
	}
	const reader = response.body?.getReader();
	if (!reader) {
		const whole = new Uint8Array(await response.arrayBuffer());
		return whole.length > limit ? null : whole;
	}
	const parts: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.length;
		if (size > limit) {
			await reader.cancel().catch(() => {});
			return null;
		}
		parts.push(value);
	}
	return parts.length === 1 ? parts[0] : concatBytes(...parts);
}
