/**
 * `npm run deploy` against a second anvil with another chain id, as a person
 * would run it: a child process, the key in the environment only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, http, zeroAddress } from 'viem';
import { ANVIL_PRIVATE_KEYS, startAnvil } from './anvil.mjs';
import { codeMatches, deployNetwork, parseDeployArgs, verifyDeployment, DeployUsageError } from './deploy-network.mjs';
import { parseConfig } from '../src/lib/config';

const CHAIN_ID = 4242;
let anvil: Awaited<ReturnType<typeof startAnvil>>;
const dir = mkdtempSync(join(tmpdir(), 'carevault-deploy-'));

beforeAll(async () => {
	anvil = await startAnvil({ chainId: CHAIN_ID });
});
afterAll(async () => {
	await anvil?.stop();
});

function run(args: string[], env: Record<string, string> = {}) {
	const result = spawnSync(process.execPath, ['scripts/deploy-network.mjs', ...args], {
		encoding: 'utf8',
		env: { ...process.env, CAREVAULT_DEPLOYER_KEY: '', ...env },
		timeout: 120_000
	});
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run deploy (a second anvil, chain 4242)', () => {
	it('deploys with the key from the environment, verifies the code, and writes a config the app accepts', async () => {
		const out = join(dir, 'net.json');
		const { status, stderr } = run(
			['--rpc', anvil.rpcUrl, '--chain-id', String(CHAIN_ID), '--name', 'Test L2', '--app-domain', 'carevault.example', '--out', out, '--gateway', 'https://gw.example', '--ipfs-peer', '/dns4/peer.example/tcp/443/wss/p2p/12D3KooWNj5bWsbPoNRMYx1gPBdfrnzR5dVyqfxZrq715es6pFbv'],
			{ CAREVAULT_DEPLOYER_KEY: ANVIL_PRIVATE_KEYS[0] }
		);
		expect(stderr).toContain('Deployed and verified');
		expect(status).toBe(0);
		const config = parseConfig(JSON.parse(readFileSync(out, 'utf8')));
		expect(config).toMatchObject({ chainId: CHAIN_ID, chainName: 'Test L2', rpcUrl: anvil.rpcUrl, appDomain: 'carevault.example', gateways: ['https://gw.example'] });
		const client = createPublicClient({ transport: http(anvil.rpcUrl) });
		for (const address of Object.values(config.contracts)) expect(((await client.getCode({ address: address! })) ?? '0x').length).toBeGreaterThan(2);
		expect(config.deployBlock).toBeGreaterThan(0);
		expect(config.providerSchemaUid).toMatch(/^0x[0-9a-f]{64}$/);
	});

	it('refuses without a key in the environment, and never reads one from the command line', () => {
		const none = run(['--rpc', anvil.rpcUrl, '--chain-id', String(CHAIN_ID), '--app-domain', 'carevault.example']);
		expect(none.status).toBe(1);
		expect(none.stderr).toContain('CAREVAULT_DEPLOYER_KEY');
		const flag = run(['--rpc', anvil.rpcUrl, '--chain-id', String(CHAIN_ID), '--app-domain', 'carevault.example', '--private-key', ANVIL_PRIVATE_KEYS[0]]);
		expect(flag.status).toBe(1);
		expect(flag.stderr).toContain('unknown option --private-key');
	});

	it('refuses a chain id that is not the RPC’s, before sending anything', async () => {
		await expect(deployNetwork(parseDeployArgs(['--rpc', anvil.rpcUrl, '--chain-id', '1', '--app-domain', 'carevault.example']), ANVIL_PRIVATE_KEYS[0])).rejects.toThrow(
			'serves chain 4242, not 1'
		);
		expect(() => parseDeployArgs(['--rpc', anvil.rpcUrl, '--app-domain', 'x.example'])).toThrow(DeployUsageError);
	});

	it('verification names a contract whose code is not ours', async () => {
		const config = await deployNetwork(parseDeployArgs(['--rpc', anvil.rpcUrl, '--chain-id', String(CHAIN_ID), '--app-domain', 'carevault.example']), ANVIL_PRIVATE_KEYS[0]);
		const client = createPublicClient({ transport: http(anvil.rpcUrl) });
		const deployed = { ...config.contracts, providerSchemaUid: config.providerSchemaUid } as Parameters<typeof verifyDeployment>[1];
		await expect(verifyDeployment(client, deployed)).resolves.toBeUndefined();
		// Grants where KeyRegistry should be: caught; no code at all: caught.
		await expect(verifyDeployment(client, { ...deployed, keyRegistry: deployed.grants })).rejects.toThrow(/KeyRegistry at .* not the compiled KeyRegistry/);
		await expect(verifyDeployment(client, { ...deployed, eas: zeroAddress })).rejects.toThrow(/EAS at/);
	});

	it('code comparison ignores only the immutables', () => {
		expect(codeMatches('0x6001aa02', '0x60010002', [{ start: 2, length: 1 }])).toBe(true);
		expect(codeMatches('0x6101aa02', '0x60010002', [{ start: 2, length: 1 }])).toBe(false);
		expect(codeMatches('0x', '0x', [])).toBe(false);
	});
});
