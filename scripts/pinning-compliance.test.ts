// The IPFS Pinning Service API compliance checks of
// @ipfs-shipyard/pinning-service-compliance, the real package, run against the
// local peer's endpoint: its CLI (the package's `bin`) in a child process, as
// `pinning-service-compliance -s <endpoint> <token>`.
//
// Offline: the package downloads the spec YAML at run time to build its
// response schemas, from a host our machines and CI cannot reach, and has no
// option for another location. scripts/pinning-spec-offline.mjs is preloaded
// into its process and answers that one request from
// scripts/fixtures/ipfs-pinning-service.yaml (see the NOTICE there). Its
// install needs no network beyond the npm registry either: its dependency
// kubo (a Go binary downloader the checks never load) is denied its
// postinstall in package.json `allowScripts`.
//
// The CLI exits 0 whether checks pass or fail; its verdict is the summary it
// prints ("Summary (N/M successful)", one line per check marked 🟢 or ❌),
// which is what these tests read. A second run, against a proxy that drops the
// required `delegates` from every PinStatus the peer sends, shows that the
// package's schema checks (built from the vendored spec) do fail a broken
// response and that this test sees it.
//
// The package paces its requests to one a second, so a run takes about 45 s;
// the two runs go side by side.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpfsPeer } from './ipfs-peer.mjs';

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', 'node_modules', '@ipfs-shipyard', 'pinning-service-compliance');
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string; bin: string };
const cli = join(packageDir, packageJson.bin);
const preload = join(here, 'pinning-spec-offline.mjs');

/** The package's nine checks (src/index.ts order) and how each titles itself in the summary. */
const CHECKS: [name: string, title: string][] = [
	['checkEmptyBearerToken', 'Request with no authentication token'],
	['checkInvalidBearerToken', 'Request with invalid token'],
	['addPin', 'Pins post of CID '],
	['deleteNewPin', 'Can create and then delete a new pin'],
	['getAllPins', 'List pin objects (GET /pins) in all states'],
	['replacePin', "Can create and replace a pin's CID"],
	['matchPin', "Can create a pin with name='"],
	['testPagination', 'Pagination: Get all pins, create new pins (optional), get first and second pages'],
	['deleteAllPins', 'Can delete all pins created during compliance checks']
];

interface Run {
	stdout: string;
	stderr: string;
	/** "Summary (N/M successful)" as [N, M], or null when the CLI printed none. */
	counts: [number, number] | null;
	/** Each summary line: its title and whether it was marked 🟢. */
	summary: { title: string; ok: boolean }[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function parse(stdout: string, stderr: string): Run {
	const text = stdout.replace(ANSI, '');
	const at = text.lastIndexOf('Summary (');
	const head = at < 0 ? null : /^Summary \((\d+)\/(\d+) successful\)/.exec(text.slice(at));
	const summary: Run['summary'] = [];
	if (at >= 0) {
		for (const line of text.slice(at).split('\n').slice(1)) {
			const m = /^\s*(🟢|❌) (.+)$/u.exec(line);
			if (m) summary.push({ title: m[2], ok: m[1] === '🟢' });
		}
	}
	return { stdout: text, stderr, counts: head ? [Number(head[1]), Number(head[2])] : null, summary };
}

function runCompliance(endpoint: string, token: string): Promise<Run> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', preload, cli, '-s', endpoint, token], {
			env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 150_000
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
		child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
		child.on('error', reject);
		child.on('close', () => resolve(parse(stdout, stderr)));
	});
}

function verdict(run: Run, title: string): boolean | undefined {
	return run.summary.find((s) => s.title.startsWith(title))?.ok;
}

/**
 * An HTTP proxy to `target` that removes `delegates` (required by the spec's
 * PinStatus) from every PinStatus in a JSON response: a pinning service with
 * one schema violation.
 */
async function dropDelegatesProxy(target: string): Promise<Server> {
	const upstream = new URL(target);
	const strip = (status: Record<string, unknown>) => delete status.delegates;
	const server = createServer((req, res) => {
		const out = request(
			{ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
			(answer) => {
				const chunks: Buffer[] = [];
				answer.on('data', (c: Buffer) => chunks.push(c));
				answer.on('end', () => {
					let body = Buffer.concat(chunks);
					if (/json/.test(String(answer.headers['content-type'])) && body.length > 0) {
						const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
						if ('requestid' in json) strip(json);
						if (Array.isArray(json.results)) json.results.forEach((r: Record<string, unknown>) => strip(r));
						body = Buffer.from(JSON.stringify(json));
					}
					const headers = { ...answer.headers, 'content-length': String(body.length) };
					delete headers['transfer-encoding'];
					res.writeHead(answer.statusCode ?? 502, headers);
					res.end(body);
				});
			}
		);
		out.on('error', (err) => res.destroy(err));
		req.pipe(out);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return server;
}

let peer: Peer;
let brokenPeer: Peer;
let proxy: Server;
let good: Run;
let broken: Run;

beforeAll(async () => {
	[peer, brokenPeer] = await Promise.all([
		startIpfsPeer({ port: 0, httpPort: 0, pinTimeoutMs: 60_000 }),
		startIpfsPeer({ port: 0, httpPort: 0, pinTimeoutMs: 60_000 })
	]);
	proxy = await dropDelegatesProxy(brokenPeer.pinning.endpoint);
	const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
	[good, broken] = await Promise.all([runCompliance(peer.pinning.endpoint, peer.pinning.token), runCompliance(proxied, brokenPeer.pinning.token)]);
}, 170_000);

afterAll(async () => {
	await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
	await Promise.all([peer?.stop(), brokenPeer?.stop()]);
});

describe(`IPFS Pinning Service API compliance (@ipfs-shipyard/pinning-service-compliance ${packageJson.version}, run against the local peer)`, () => {
	it('the package built its schemas from the vendored spec, and ran every check to a verdict', () => {
		expect(good.stderr).toContain('answered GET https://raw.githubusercontent.com/ipfs/pinning-services-api-spec/v1.0.0/ipfs-pinning-service.yaml');
		expect(good.stdout).not.toMatch(/Problem running compliance check|Could not get joi schema|could not validate pinning service/);
		expect(good.counts, good.stdout).toEqual([CHECKS.length, CHECKS.length]);
		expect(good.summary.map((s) => CHECKS.findIndex(([, title]) => s.title.startsWith(title)))).toEqual(CHECKS.map((_, i) => i));
	});

	for (const [name, title] of CHECKS) {
		it(`${name}: "${title.trim()}" passes`, () => {
			expect(verdict(good, title), good.stdout).toBe(true);
		});
	}

	it("fails a service whose PinStatus lacks the required 'delegates' (the spec's schema, not just status codes, is checked)", () => {
		expect(broken.stderr).toContain('answered GET https://raw.githubusercontent.com/ipfs/pinning-services-api-spec/v1.0.0/ipfs-pinning-service.yaml');
		expect(broken.counts?.[1], broken.stdout).toBe(CHECKS.length);
		expect(broken.counts?.[0]).toBeLessThan(CHECKS.length);
		// The two whose responses are PinStatus / PinResults and are matched against the schema fail...
		expect(verdict(broken, 'Pins post of CID ')).toBe(false);
		expect(verdict(broken, 'List pin objects (GET /pins) in all states')).toBe(false);
		expect(broken.stdout).toMatch(/❌ Response object matches api spec schema/u);
		// ...while the Failure bodies of the auth checks, untouched by the proxy, still match.
		expect(verdict(broken, 'Request with no authentication token')).toBe(true);
		expect(verdict(broken, 'Request with invalid token')).toBe(true);
	});
});
