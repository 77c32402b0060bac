/**
 * The SMART Health Link payload (HL7 SMART Health Cards and Links IG, STU1,
 * "Construct a SMART Health Link Payload"): minified JSON, base64url, after
 * `shlink:/`, optionally after a viewer URL ending in `#`.
 *
 *   { url: <= 128 chars, key: 43 chars (32 bytes base64url), exp?: epoch seconds,
 *     flag?: letters in alphabetical order (L, P, U), label?: <= 80 chars, v?: 1 }
 *
 * Receivers ignore properties and flag letters they do not know (IG, "Protocol
 * Versioning"); this viewer refuses P (no passcode support), L (content that
 * changes over time) and links without U (manifest links) with a clear message.
 */
import { base64url } from 'jose';
import { stripUnsafeChars } from '../../records/text';
import { ShlExpiredError, ShlInvalidError, ShlUnsupportedError } from './errors';

export const SHLINK_PREFIX = 'shlink:/';
/** IG limits. */
export const SHL_URL_MAX = 128;
export const SHL_LABEL_MAX = 80;
export const SHL_KEY_BYTES = 32;
/** Far above any real payload (url 128 + label 80 + key 43 in JSON): stops absurd input before decoding. */
const PAYLOAD_TEXT_MAX = 4096;

export interface ShlPayload {
	url: string;
	key: string;
	exp?: number;
	flag?: string;
	label?: string;
	v?: number;
}

const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

/**
 * A label as the IG allows it: no control or format characters (bidi
 * overrides could disguise it in a viewer), single spaces, trimmed, at most
 * 80 characters (whole code points). Empty: no label.
 */
export function sanitizeLabel(text: string): string | undefined {
	const clean = stripUnsafeChars(text);
	const cut = Array.from(clean).slice(0, SHL_LABEL_MAX).join('').trim();
	return cut === '' ? undefined : cut;
}

/** `shlink:/` + base64url(minified JSON). Throws ShlInvalidError for a payload outside the IG's limits. */
export function encodeShl(payload: ShlPayload): string {
	checkPayload(payload as unknown as Record<string, unknown>);
	const ordered: ShlPayload = {
		url: payload.url,
		key: payload.key,
		...(payload.exp !== undefined ? { exp: payload.exp } : {}),
		...(payload.flag !== undefined ? { flag: payload.flag } : {}),
		...(payload.label !== undefined ? { label: payload.label } : {}),
		...(payload.v !== undefined ? { v: payload.v } : {})
	};
	return SHLINK_PREFIX + base64url.encode(JSON.stringify(ordered));
}

/**
 * Reads a SMART Health Link: bare (`shlink:/...`) or after a viewer URL
 * (`https://viewer.example#shlink:/...`). Checks only the payload's form;
 * `checkOpenable` decides whether this viewer opens it.
 */
export function decodeShl(text: string): ShlPayload {
	const trimmed = text.trim();
	const at = trimmed.indexOf(SHLINK_PREFIX);
	if (at < 0 || (at > 0 && trimmed[at - 1] !== '#')) throw new ShlInvalidError('it does not contain “shlink:/”.');
	const encoded = trimmed.slice(at + SHLINK_PREFIX.length);
	if (encoded.length === 0 || encoded.length > PAYLOAD_TEXT_MAX || !/^[A-Za-z0-9_-]+$/.test(encoded))
		throw new ShlInvalidError('the part after “shlink:/” is not base64url text.');
	let value: unknown;
	try {
		value = JSON.parse(utf8(base64url.decode(encoded)));
	} catch (cause) {
		throw new ShlInvalidError('its payload is not JSON.', { cause });
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShlInvalidError('its payload is not a JSON object.');
	return checkPayload(value as Record<string, unknown>);
}

function checkPayload(p: Record<string, unknown>): ShlPayload {
	if (typeof p.url !== 'string' || p.url.length === 0) throw new ShlInvalidError('it has no url.');
	if (p.url.length > SHL_URL_MAX) throw new ShlInvalidError(`its url is longer than ${SHL_URL_MAX} characters.`);
	if (!URL.canParse(p.url)) throw new ShlInvalidError('its url is not a URL.');
	if (typeof p.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(p.key) || base64url.decode(p.key).length !== SHL_KEY_BYTES)
		throw new ShlInvalidError('its key is not 32 bytes in base64url (43 characters).');
	if (p.exp !== undefined && (typeof p.exp !== 'number' || !Number.isFinite(p.exp) || p.exp < 0))
		throw new ShlInvalidError('its expiry (exp) is not a time in seconds.');
	if (p.flag !== undefined && (typeof p.flag !== 'string' || !/^[A-Z]*$/.test(p.flag))) throw new ShlInvalidError('its flag is not a set of capital letters.');
	if (p.label !== undefined && (typeof p.label !== 'string' || Array.from(p.label).length > SHL_LABEL_MAX))
		throw new ShlInvalidError(`its label is not text of at most ${SHL_LABEL_MAX} characters.`);
	if (p.v !== undefined && (typeof p.v !== 'number' || !Number.isInteger(p.v) || p.v < 1)) throw new ShlInvalidError('its version (v) is not a whole number.');
	return {
		url: p.url,
		key: p.key,
		...(p.exp !== undefined ? { exp: p.exp as number } : {}),
		...(p.flag !== undefined ? { flag: p.flag as string } : {}),
		...(p.label !== undefined ? { label: p.label as string } : {}),
		...(p.v !== undefined ? { v: p.v as number } : {})
	};
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Refuses what this viewer does not open: an expired link, a passcode (P),
 * long-term (L) or manifest (no U) link, a newer protocol version, or a url
 * that is not https (plain http only on this machine, for development).
 */
export function checkOpenable(payload: ShlPayload, nowSeconds: number): URL {
	if (payload.v !== undefined && payload.v !== 1) throw new ShlUnsupportedError(`uses a newer version of the protocol (v ${payload.v}).`);
	if (payload.exp !== undefined && payload.exp <= nowSeconds) throw new ShlExpiredError(payload.exp);
	const flag = payload.flag ?? '';
	if (flag.includes('P')) throw new ShlUnsupportedError('needs a passcode (flag P).');
	if (flag.includes('L')) throw new ShlUnsupportedError('is a long-term link whose content can change (flag L).');
	if (!flag.includes('U')) throw new ShlUnsupportedError('points to a manifest of several files (no flag U).');
	const url = new URL(payload.url);
	const local = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
	if (url.protocol !== 'https:' && !local) throw new ShlInvalidError('its url is not an https address.');
	if (url.username || url.password) throw new ShlInvalidError('its url carries a user name or password.');
	return url;
}
