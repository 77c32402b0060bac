/**
 * What the MetaMask SDK is told about the page: origin and path only. The SDK
 * passes its dapp URL to MetaMask's relay and to the phone, and falls back to
 * `document.URL` (fragment included) when none is given; a share link's
 * secret lives in the fragment.
 */
import { describe, expect, it } from 'vitest';
import { NoWalletError } from './errors';
import { metaMaskSdkOptions, originAndPath } from './metamask';

const LINK = 'https://carevault.example/app/index.html?ref=qr#/link/eyJnIjoiMSIsIngiOiJTRUNSRVQifQ';

describe('MetaMask SDK options', () => {
	it('carry the page origin and path only, never its query or fragment', () => {
		const options = metaMaskSdkOptions({}, LINK);
		expect(options.dappMetadata).toEqual({ name: 'Carevault', url: 'https://carevault.example/app/index.html' });
		expect(JSON.stringify(options)).not.toMatch(/link|eyJ|ref=qr|#/);
		// Analytics stay off and the SDK does not take over window.ethereum.
		expect(options).toMatchObject({ enableAnalytics: false, injectProvider: false, checkInstallationImmediately: false });
	});

	it('cut an explicit dapp URL the same way, on a path gateway too', () => {
		expect(metaMaskSdkOptions({ dappUrl: LINK, dappName: 'Care' }, undefined).dappMetadata).toEqual({
			name: 'Care',
			url: 'https://carevault.example/app/index.html'
		});
		expect(originAndPath('http://127.0.0.1:8080/ipfs/bafybeigdyr/#/link/abc')).toBe('http://127.0.0.1:8080/ipfs/bafybeigdyr/');
		expect(originAndPath('https://user:pw@carevault.example:8443/?q=1#x')).toBe('https://carevault.example:8443/');
	});

	it('refuse a page that is not http(s) rather than let the SDK read document.URL', () => {
		for (const href of [undefined, '', 'file:///home/me/carevault/index.html#/link/abc', 'not a url'])
			expect(() => metaMaskSdkOptions({}, href)).toThrow(NoWalletError);
	});
});
