import { describe, expect, it } from 'vitest';
import { encodeLinkPayload } from '../sharing/link';
import { encodeShl } from '../shl/payload';
import { scannedAddress, scannedLink, ScannedCodeRefusedError, SCANNED_TEXT_MAX } from './scanned';

const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const SITE = 'https://carevault.example/app/';
const SHL = encodeShl({ url: 'https://gateway.example/ipfs/bafy?format=raw', key: 'A'.repeat(43), exp: 2_000_000_000, flag: 'U', label: 'Asthma', v: 1 });
const PAYLOAD = encodeLinkPayload({
	grantId: 7n,
	bundleCid: 'bafkreiexample',
	bundleKey: btoa(String.fromCharCode(...new Uint8Array(32))),
	inboxSecret: new Uint8Array(32).fill(1),
	umbralSecret: new Uint8Array(32).fill(2),
	expiresAt: 0,
	patient: ADDRESS
});

const refused = (fn: () => unknown, text: RegExp) => {
	let err: unknown;
	try {
		fn();
	} catch (e) {
		err = e;
	}
	expect(err).toBeInstanceOf(ScannedCodeRefusedError);
	expect((err as Error).message).toMatch(text);
};

describe('scannedAddress', () => {
	it('takes a bare address and an EIP-681 URI on this chain', () => {
		expect(scannedAddress(ADDRESS)).toBe(ADDRESS);
		expect(scannedAddress(` ${ADDRESS}\n`)).toBe(ADDRESS);
		expect(scannedAddress(`ethereum:${ADDRESS}`, 31337)).toBe(ADDRESS);
		expect(scannedAddress(`ethereum:${ADDRESS}@31337`, 31337)).toBe(ADDRESS);
	});

	it('refuses anything else, with the reason', () => {
		refused(() => scannedAddress(`ethereum:${ADDRESS}@1`, 31337), /another blockchain \(chain 1, this site uses 31337\)/);
		refused(() => scannedAddress(`${ADDRESS}x`), /not an account address/);
		refused(() => scannedAddress(`ethereum:${ADDRESS}/transfer?value=1`), /not an account address/);
		refused(() => scannedAddress('https://evil.example/#0x70997970C51812dc3A010C7d01b50e0d17dc79C8'), /not an account address/);
		refused(() => scannedAddress(`\u202e${ADDRESS}`), /hidden or control characters/);
		refused(() => scannedAddress(''), /no text/);
		refused(() => scannedAddress(undefined), /no text/);
	});
});

describe('scannedLink', () => {
	it('a SMART Health Link, bare or after any viewer URL: only the shlink:/ part is kept', () => {
		expect(scannedLink(SHL, SITE)).toEqual({ kind: 'shl', link: SHL });
		expect(scannedLink(`https://viewer.example/#${SHL}`, SITE)).toEqual({ kind: 'shl', link: SHL });
	});

	it('a Carevault share link of this site (index.html or not): the fragment only', () => {
		expect(scannedLink(`${SITE}#/link/${PAYLOAD}`, SITE)).toEqual({ kind: 'link', fragment: `#/link/${PAYLOAD}` });
		expect(scannedLink(`${SITE}index.html#/link/${PAYLOAD}`, SITE)).toEqual({ kind: 'link', fragment: `#/link/${PAYLOAD}` });
	});

	it('refuses another site’s share link, damaged links, scripts and anything else', () => {
		refused(() => scannedLink(`https://evil.example/app/#/link/${PAYLOAD}`, SITE), /another site \(evil\.example\)/);
		refused(() => scannedLink(`https://carevault.example/other/#/link/${PAYLOAD}`, SITE), /another site/);
		refused(() => scannedLink(`${SITE}#/link/${PAYLOAD.slice(0, 20)}`, SITE), /share link but is damaged/);
		refused(() => scannedLink('shlink:/!!!', SITE), /SMART Health Link but is damaged/);
		refused(() => scannedLink(`xshlink:/${SHL.slice(8)}`, SITE), /neither/);
		refused(() => scannedLink('javascript:alert(1)//#/link/', SITE), /another site/);
		refused(() => scannedLink('https://evil.example/phish', SITE), /neither a Carevault share link nor a SMART Health Link/);
		refused(() => scannedLink(`${SHL}${'A'.repeat(SCANNED_TEXT_MAX)}`, SITE), /longer than any link/);
	});
});
