/**
 * What a scanned QR code may be. The decoded text is someone else's: it is
 * accepted only in our own formats and returned re-built from its checked
 * parts, never used as a URL to navigate to.
 *
 * - a provider's account address (`0x…`, or an EIP-681 `ethereum:0x…[@chainId]` URI),
 * - a Carevault share link of this site (`<site>#/link/<payload>`),
 * - a SMART Health Link (`shlink:/…`, bare or after any viewer URL's `#`).
 */
import { CarevaultError } from '../../errors';
import { isAddress } from '../../types';
import type { Hex } from '../ports';
import { decodeLinkPayload, LINK_ROUTE } from '../sharing/link';
import { decodeShl, SHLINK_PREFIX } from '../shl/payload';

/** Longer than any link of ours (a QR code holds at most 2,953 bytes in binary mode). */
export const SCANNED_TEXT_MAX = 4096;

export class ScannedCodeRefusedError extends CarevaultError {
	override name = 'ScannedCodeRefusedError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This QR code was not used: ${problem}`, options);
	}
}

export type ScannedLink = { kind: 'shl'; link: string } | { kind: 'link'; fragment: string };

function clean(text: unknown): string {
	if (typeof text !== 'string' || text.length === 0) throw new ScannedCodeRefusedError('it holds no text.');
	if (text.length > SCANNED_TEXT_MAX) throw new ScannedCodeRefusedError('it is longer than any link or address Carevault makes.');
	const trimmed = text.trim();
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u.test(trimmed)) throw new ScannedCodeRefusedError('it contains hidden or control characters.');
	return trimmed;
}

/**
 * A provider's address from a scanned code: `0x` + 40 hex digits, or
 * `ethereum:0x…` (EIP-681) with at most a `@chainId`, which must be `chainId`
 * when one is given. Anything else is refused.
 */
export function scannedAddress(text: unknown, chainId?: number): Hex {
	const t = clean(text);
	const m = /^(?:ethereum:)?(0x[0-9a-fA-F]{40})(?:@([0-9]{1,20}))?$/.exec(t);
	if (!m || !isAddress(m[1]!)) throw new ScannedCodeRefusedError('it is not an account address. Scan the QR code on the provider’s “For providers” page.');
	if (m[2] !== undefined && chainId !== undefined && Number(m[2]) !== chainId) throw new ScannedCodeRefusedError(`the address is for another blockchain (chain ${m[2]}, this site uses ${chainId}).`);
	return m[1] as Hex;
}

/**
 * A link from a scanned code. A SMART Health Link is taken in any viewer's URL
 * (the key is in the link, and only its `shlink:/` part is kept); a Carevault
 * share link only under this site's own address (`siteUrl`), since only this
 * deployment's chain and peers can open it. The payload must decode.
 */
export function scannedLink(text: unknown, siteUrl: string): ScannedLink {
	const t = clean(text);
	const shlAt = t.indexOf(SHLINK_PREFIX);
	if (shlAt === 0 || (shlAt > 0 && t[shlAt - 1] === '#')) {
		const link = t.slice(shlAt);
		try {
			decodeShl(link);
		} catch (cause) {
			throw new ScannedCodeRefusedError('it looks like a SMART Health Link but is damaged.', { cause });
		}
		return { kind: 'shl', link };
	}
	const hash = t.indexOf(LINK_ROUTE);
	if (hash > 0) {
		const base = t.slice(0, hash);
		if (!sameSite(base, siteUrl)) {
			const host = URL.canParse(base) ? new URL(base).host : 'another site';
			throw new ScannedCodeRefusedError(`it is a share link for another site (${host}), not this one.`);
		}
		const payload = t.slice(hash + LINK_ROUTE.length);
		try {
			decodeLinkPayload(payload);
		} catch (cause) {
			throw new ScannedCodeRefusedError('it looks like a Carevault share link but is damaged.', { cause });
		}
		return { kind: 'link', fragment: `${LINK_ROUTE}${payload}` };
	}
	throw new ScannedCodeRefusedError('it is neither a Carevault share link nor a SMART Health Link (shlink:/).');
}

/** Same scheme, host, port and path (a trailing `index.html` or `/` ignored); query and fragment may differ. */
function sameSite(a: string, b: string): boolean {
	if (!URL.canParse(a) || !URL.canParse(b)) return false;
	const x = new URL(a);
	const y = new URL(b);
	const path = (u: URL) => u.pathname.replace(/index\.html$/, '').replace(/\/+$/, '');
	return x.origin === y.origin && path(x) === path(y);
}
