import { describe, expect, test } from 'vitest';
import { ConfigInvalidError, ConfigMissingError, loadConfig } from './config';

const good = {
	chainId: 31337,
	chainName: 'Carevault Local (anvil)',
	rpcUrl: 'http://127.0.0.1:8545',
	contracts: {
		keyRegistry: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
		vaultRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
		proposals: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
		grants: '0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9'
	},
	deployBlock: 1,
	ipfsPeers: ['/ip4/127.0.0.1/tcp/4003/ws/p2p/12D3KooWG75zP1uZ73WEJ9r8aV26W9Q1xVbbQ4CQW8aJJVDBAXgv'],
	appDomain: 'carevault.example',
	appUri: 'https://carevault.example/',
	providerSchemaUid: null,
	trustedAttesters: [],
	logBlockRange: 10_000,
	gateways: [],
	pinning: null
};

const serving = (body: string, status = 200) => {
	const asked: string[] = [];
	const fetchFn = async (input: string) => {
		asked.push(input);
		return new Response(body, { status, headers: { 'content-type': 'application/json' } });
	};
	return { fetchFn, asked };
};

describe('loadConfig', () => {
	test('reads ./config.json relative to the page and returns the checked config', async () => {
		const { fetchFn, asked } = serving(JSON.stringify(good));
		expect(await loadConfig(fetchFn)).toEqual(good);
		expect(asked).toEqual(['./config.json']);
	});

	test('optional fields get their defaults: appUri from appDomain, no EAS, 10,000-block log ranges', async () => {
		const { appUri: _appUri, providerSchemaUid: _p, trustedAttesters: _t, logBlockRange: _l, gateways: _g, pinning: _pin, ...minimal } = good;
		expect(await loadConfig(serving(JSON.stringify(minimal)).fetchFn)).toEqual(good);
	});

	test('keeps a pinning endpoint and the trustless gateways', async () => {
		const local = { ...good, gateways: ['http://127.0.0.1:8090'], pinning: { endpoint: 'http://127.0.0.1:8090' } };
		expect(await loadConfig(serving(JSON.stringify(local)).fetchFn)).toEqual(local);
	});

	test('a missing file (404 or network failure) is ConfigMissingError with the npm start hint', async () => {
		const err = await loadConfig(serving('not found', 404).fetchFn).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ConfigMissingError);
		expect((err as ConfigMissingError).shortMessage).toBe(
			'This Carevault site has no chain configuration (config.json). If you run it locally, start it with npm start.'
		);
		const offline = async () => { throw new TypeError('Failed to fetch'); };
		await expect(loadConfig(offline)).rejects.toBeInstanceOf(ConfigMissingError);
	});

	test.each([
		['not JSON', '{', /not JSON/],
		['bad chainId', JSON.stringify({ ...good, chainId: '31337' }), /chainId/],
		['bad rpcUrl', JSON.stringify({ ...good, rpcUrl: 'localhost:8545' }), /rpcUrl/],
		['short address', JSON.stringify({ ...good, contracts: { ...good.contracts, vaultRegistry: '0x1234' } }), /contracts\.vaultRegistry/],
		['missing grants address', JSON.stringify({ ...good, contracts: { ...good.contracts, grants: undefined } }), /contracts\.grants/],
		['bad peers', JSON.stringify({ ...good, ipfsPeers: ['127.0.0.1:4003'] }), /ipfsPeers/],
		['no app domain', JSON.stringify({ ...good, appDomain: undefined }), /appDomain/],
		['a host with a port as app domain', JSON.stringify({ ...good, appDomain: '127.0.0.1:5173' }), /appDomain/],
		['bad attester', JSON.stringify({ ...good, trustedAttesters: ['0x12'] }), /trustedAttesters/],
		['bad schema uid', JSON.stringify({ ...good, providerSchemaUid: '0x12' }), /providerSchemaUid/],
		['zero log range', JSON.stringify({ ...good, logBlockRange: 0 }), /logBlockRange/],
		['a pinning endpoint that is not http(s)', JSON.stringify({ ...good, pinning: { endpoint: 'ws://127.0.0.1:8090' } }), /pinning/],
		['a pinning access token in the public config', JSON.stringify({ ...good, pinning: { endpoint: 'http://127.0.0.1:8090', token: 'secret' } }), /access token must never/]
	])('%s is ConfigInvalidError naming the problem', async (_name, body, pattern) => {
		const err = await loadConfig(serving(body).fetchFn).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(ConfigInvalidError);
		expect((err as ConfigInvalidError).shortMessage).toMatch(pattern);
	});
});

describe('contracts.researchConsent', () => {
	test('is kept when it is an address, and refused otherwise', async () => {
		const researchConsent = '0x0165878A594ca255338adfa4d48449f69242Eb8F';
		const withResearch = { ...good, contracts: { ...good.contracts, researchConsent } };
		expect((await loadConfig(serving(JSON.stringify(withResearch)).fetchFn)).contracts.researchConsent).toBe(researchConsent);
		const bad = { ...good, contracts: { ...good.contracts, researchConsent: '0x1234' } };
		await expect(loadConfig(serving(JSON.stringify(bad)).fetchFn)).rejects.toThrow(/contracts\.researchConsent must be a 0x address/);
	});
});
