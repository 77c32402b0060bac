import { describe, expect, it } from 'vitest';
import { originCheck } from './originCheck';
import { SharedGatewayOriginError } from './errors';

const config = { appUri: 'https://carevault.example/' };
const CID = 'bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

describe('originCheck', () => {
	it('refuses a shared path gateway, saying why and what to do', () => {
		for (const pathname of [`/ipfs/${CID}/`, `/ipfs/${CID}/index.html`, '/ipns/carevault.example/', '/IPFS/x/']) {
			const result = originCheck({ location: { host: 'ipfs.io', pathname }, config });
			expect(result.ok, pathname).toBe(false);
			if (result.ok) continue;
			expect(result.error).toBeInstanceOf(SharedGatewayOriginError);
			expect(result.error.message).toContain('shared IPFS gateway');
			expect(result.error.message).toContain('every site the gateway serves shares this one browser origin');
			expect(result.error.message).toContain('Open Carevault at its own address instead: https://carevault.example/');
			expect(result.error.message).toContain('DNSLink');
			expect(result.error.message).toContain('ipfs.io/');
		}
	});

	it('compares the host with the configured app URI, port included', () => {
		const local = { appUri: 'http://127.0.0.1:5173/' };
		expect(originCheck({ location: { host: '127.0.0.1:5173', pathname: `/ipfs/${CID}/` }, config: local }).ok).toBe(true);
		expect(originCheck({ location: { host: '127.0.0.1:8080', pathname: `/ipfs/${CID}/` }, config: local }).ok).toBe(false);
		expect(originCheck({ location: { host: 'CareVault.Example', pathname: `/ipfs/${CID}/` }, config }).ok).toBe(true);
		expect(originCheck({ location: { host: 'dweb.link', pathname: `/ipfs/${CID}/` }, config: { appUri: 'not a url' } }).ok).toBe(false);
	});

	it('lets own origins through: the site itself, subdomain gateways, DNSLink names, other paths', () => {
		for (const [host, pathname] of [
			['carevault.example', '/'],
			[`${CID}.ipfs.dweb.link`, '/'],
			['carevault-example.ipns.dweb.link', '/'],
			['127.0.0.1:41234', '/'],
			['127.0.0.1:41234', '/dead-chain/'],
			['ipfs.io', '/ipfsx/'],
			['ipfs.io', '/docs/ipfs/'],
			['ipfs.io', '/ipfs']
		])
			expect(originCheck({ location: { host, pathname }, config }), `${host}${pathname}`).toEqual({ ok: true });
	});
});
