/**
 * The ports against a public RPC's limits: a real anvil behind a small proxy
 * that answers 429 or 503 the way rate-limited and overloaded RPCs do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestChain, type TestChain } from '../../../tests/setup/anvil';
import type { AppConfig } from '../config';
import { ChainUnreachableError } from '../chain/errors';
import type { BlobStore } from '../vault/ports';
import { buildViewerPorts } from './ports';

let chain: TestChain;
let proxy: Server;
let proxyUrl: string;
/** How the next requests are answered: a status to fail with, or 0 to pass through. */
let plan: number[] = [];
let seen = 0;

beforeAll(async () => {
	chain = await startTestChain();
	proxy = createServer(async (req, res) => {
		seen++;
		const body = await new Promise<string>((resolve) => {
			let data = '';
			req.on('data', (c) => (data += c));
			req.on('end', () => resolve(data));
		});
		const status = plan.length > 0 ? plan.shift()! : 0;
		if (status) {
			res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 429 ? 'Too Many Requests' : 'Service Unavailable');
			return;
		}
		const upstream = await fetch(chain.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
		res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await new Promise((resolve) => proxy?.close(resolve));
	await chain?.stop();
});

function viewer() {
	const config = {
		chainId: chain.chain.id,
		rpcUrl: proxyUrl,
		contracts: chain.config.contracts,
		deployBlock: chain.deployBlock,
		logBlockRange: 10_000
	} as AppConfig;
	return buildViewerPorts(config, { blobs: async () => ({}) as BlobStore });
}

describe('ports on a rate-limited or failing RPC', () => {
	it('retries 429 and 503 with backoff, then reads the chain', async () => {
		const { grants } = await viewer();
		// The first read also learns the chain id; count a read like the one that will fail.
		await grants.readGrant(424242n);
		seen = 0;
		expect(await grants.readGrant(424242n)).toBeNull();
		const calls = seen;
		plan = [429, 503, 429, 502];
		seen = 0;
		expect(await grants.readGrant(424242n)).toBeNull();
		// Four refusals, each retried after a longer wait, then the same answer.
		expect(seen).toBe(calls + 4);
	});

	it('says the RPC is limiting requests when 429 outlasts the retries, and that it is failing on 5xx', async () => {
		const { grants } = await viewer();
		plan = Array(10).fill(429);
		const limited = await grants.readGrant(1n).catch((e: unknown) => e);
		expect(limited).toBeInstanceOf(ChainUnreachableError);
		expect((limited as ChainUnreachableError).status).toBe(429);
		expect((limited as Error).message).toContain('is limiting requests (HTTP 429)');
		plan = Array(10).fill(503);
		const failing = await grants.readGrant(1n).catch((e: unknown) => e);
		expect((failing as Error).message).toContain('is failing (HTTP 503)');
		plan = [];
	});
});
