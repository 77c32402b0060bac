// The IPFS Pinning Service API compliance checks, run against the local peer.
//
// These are the checks of @ipfs-shipyard/pinning-service-compliance 1.8.1
// (src/checks/*, run in the order of its src/index.ts), one `it` per check,
// named as the package names them, with each of its expectations. The package
// itself cannot run in this test suite: installing it runs kubo's postinstall,
// which downloads the Go binary from dist.ipfs.tech, and at run time it fetches
// the spec YAML from raw.githubusercontent.com to build its response schemas;
// neither host is reachable from these machines (only the npm registry and
// Debian are). Its schema checks are done here from the spec's v1.0.0 schemas
// (PinStatus, PinResults, Failure) instead. The client is the one the package
// uses, @ipfs-shipyard/pinning-service-client.
import {
	Configuration,
	RemotePinningServiceClient,
	Status,
	TextMatchingStrategy,
	type PinResults,
	type PinStatus
} from '@ipfs-shipyard/pinning-service-client';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIpfsPeer } from './ipfs-peer.mjs';

type Peer = Awaited<ReturnType<typeof startIpfsPeer>>;
let peer: Peer;
let originalPinCount = 0;
/** CIDs this run pinned (the package's PinTracker), so deleteAllPins removes only those. */
const created = new Set<string>();

/** What the last response's body was, before the generated client turned it into objects. */
let lastBody: unknown = null;
let lastStatus = 0;

function client(token: string | undefined): RemotePinningServiceClient {
	return new RemotePinningServiceClient(
		new Configuration({
			endpointUrl: peer.pinning.endpoint,
			accessToken: token,
			middleware: [
				{
					pre: async (context) => {
						if (context.init.method === 'POST' && typeof context.init.body === 'string') {
							const cid = (JSON.parse(context.init.body) as { cid?: string }).cid;
							if (cid) created.add(cid);
						}
					},
					post: async ({ response }) => {
						lastStatus = response.status;
						const text = await response.clone().text();
						lastBody = text === '' ? null : JSON.parse(text);
					}
				}
			]
		})
	);
}

/** The package's getInlineCid: a raw CIDv1 of fresh bytes that no node holds. */
let inline = 0;
async function inlineCid(): Promise<string> {
	const bytes = new TextEncoder().encode(`${process.hrtime().toString()}-${++inline}`);
	return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}

/** The HTTP status of a call; the generated client throws (a ResponseError holding the Response) for non-2xx answers. */
async function statusOf(call: Promise<unknown>): Promise<number> {
	try {
		await call;
		return lastStatus;
	} catch (err) {
		if (err instanceof Response) return err.status;
		const response = (err as { response?: Response }).response;
		if (response instanceof Response) return response.status;
		throw err;
	}
}

// ---- the spec's schemas (ipfs-pinning-service.yaml v1.0.0, components/schemas) ----

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function isStringMap(v: unknown): boolean {
	return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Problems with a PinStatus object; empty when it matches the schema. */
function pinStatusProblems(v: unknown): string[] {
	const p: string[] = [];
	if (!v || typeof v !== 'object') return ['not an object'];
	const o = v as Record<string, unknown>;
	if (typeof o.requestid !== 'string' || o.requestid === '') p.push('requestid');
	if (!['queued', 'pinning', 'pinned', 'failed'].includes(o.status as string)) p.push('status');
	if (typeof o.created !== 'string' || !RFC3339.test(o.created)) p.push('created');
	const pin = o.pin as Record<string, unknown> | undefined;
	if (!pin || typeof pin.cid !== 'string') p.push('pin.cid');
	if (pin?.name !== undefined && (typeof pin.name !== 'string' || pin.name.length > 255)) p.push('pin.name');
	if (pin?.origins !== undefined && (!Array.isArray(pin.origins) || pin.origins.length > 20 || new Set(pin.origins).size !== pin.origins.length)) p.push('pin.origins');
	if (pin?.meta !== undefined && !isStringMap(pin.meta)) p.push('pin.meta');
	const d = o.delegates;
	if (!Array.isArray(d) || d.length < 1 || d.length > 20 || !d.every((x) => typeof x === 'string') || new Set(d).size !== d.length) p.push('delegates');
	if (o.info !== undefined && !isStringMap(o.info)) p.push('info');
	return p;
}

function pinResultsProblems(v: unknown): string[] {
	if (!v || typeof v !== 'object') return ['not an object'];
	const o = v as Record<string, unknown>;
	const p: string[] = [];
	if (!Number.isInteger(o.count) || (o.count as number) < 0) p.push('count');
	if (!Array.isArray(o.results) || o.results.length > 1000) return [...p, 'results'];
	o.results.forEach((r, i) => p.push(...pinStatusProblems(r).map((x) => `results[${i}].${x}`)));
	return p;
}

function failureProblems(v: unknown): string[] {
	const error = (v as { error?: { reason?: unknown; details?: unknown } } | null)?.error;
	if (!error || typeof error.reason !== 'string') return ['error.reason'];
	if (error.details !== undefined && typeof error.details !== 'string') return ['error.details'];
	return [];
}

const ALL = [Status.Queued, Status.Pinning, Status.Pinned, Status.Failed];

beforeAll(async () => {
	peer = await startIpfsPeer({ port: 0, httpPort: 0, pinTimeoutMs: 60_000 });
	// The package's getPinTracker: the count before any check ran.
	originalPinCount = (await client(peer.pinning.token).pinsGet({ status: ALL })).count;
});
afterAll(async () => {
	await peer?.stop();
});

describe('IPFS Pinning Service API compliance (checks of @ipfs-shipyard/pinning-service-compliance 1.8.1)', () => {
	it('checkEmptyBearerToken: Request with no authentication token -> Response code is 401, body is a Failure', async () => {
		expect(await statusOf(client(undefined).pinsGet({}))).toBe(401);
		expect(failureProblems(lastBody)).toEqual([]);
	});

	it('checkInvalidBearerToken: Request with invalid token -> Response code is 401, body is a Failure', async () => {
		expect(await statusOf(client('purposefullyInvalid').pinsGet({}))).toBe(401);
		expect(failureProblems(lastBody)).toEqual([]);
	});

	it('addPin: Pins post of CID -> matches PinStatus; Pinning status is either queued, pinning, or pinned', async () => {
		const result = await client(peer.pinning.token).pinsPost({ pin: { cid: await inlineCid() } });
		expect(pinStatusProblems(lastBody)).toEqual([]);
		expect([Status.Queued, Status.Pinning, Status.Pinned]).toContain(result.status);
	});

	it('deleteNewPin: Can create and then delete a new pin -> Result is not null; Response code is 202; The newly created pin can be immediately deleted (ok, 202)', async () => {
		const c = client(peer.pinning.token);
		const pin = await c.pinsPost({ pin: { cid: await inlineCid() } });
		expect(pin).not.toBeNull();
		expect(lastStatus).toBe(202);
		expect(await statusOf(c.pinsRequestidDelete({ requestid: pin.requestid }))).toBe(202);
	});

	it('getAllPins: List pin objects (GET /pins) in all states -> Response is ok; Response code is 200; matches PinResults', async () => {
		await client(peer.pinning.token).pinsGet({ status: ALL });
		expect(lastStatus).toBe(200);
		expect(pinResultsProblems(lastBody)).toEqual([]);
	});

	it("replacePin: Can create and replace a pin's CID -> new CID, different requestid; original requestid 404, new requestid 200", async () => {
		const c = client(peer.pinning.token);
		const cid = await inlineCid();
		const original = await c.pinsPost({ pin: { cid } });
		expect(original).not.toBeNull();
		expect(original.requestid).toBeTruthy();
		const newCid = await inlineCid();
		const replaced = await c.pinsRequestidPost({ requestid: original.requestid, pin: { cid: newCid } });
		expect(lastStatus).toBe(202);
		expect(replaced.pin.cid).toBe(newCid);
		expect(replaced.requestid).not.toBe(original.requestid);
		expect(await statusOf(c.pinsRequestidGet({ requestid: original.requestid }))).toBe(404);
		expect(await statusOf(c.pinsRequestidGet({ requestid: replaced.requestid }))).toBe(200);
	});

	it("matchPin: Can create a pin with name='<uuid>' and retrieve it via the exact, iexact, partial and ipartial TextMatchingStrategy (count is 1, name matches)", async () => {
		const c = client(peer.pinning.token);
		const name = crypto.randomUUID().toLowerCase();
		const size = name.length / 4;
		const partial = name.slice(size, name.length - size);
		const made = await c.pinsPost({ pin: { name, cid: await inlineCid() } });
		expect(made.pin.name).toBe(name);
		for (const [match, query] of [
			[TextMatchingStrategy.Exact, name],
			[TextMatchingStrategy.Iexact, name.toUpperCase()],
			[TextMatchingStrategy.Partial, partial],
			[TextMatchingStrategy.Ipartial, partial.toUpperCase()]
		] as const) {
			const found = await c.pinsGet({ match, name: query });
			expect(lastStatus, match).toBe(200);
			expect(found.count, match).toBe(1);
			expect([...found.results][0]?.pin.name, match).toBe(name);
		}
	});

	it('testPagination: with >= 15 pins the first page holds 10 of count, and the next page (before the oldest) shares none of them', async () => {
		const c = client(peer.pinning.token);
		const pinsNeeded = 15;
		const before = await c.pinsGet({ status: ALL });
		for (let n = pinsNeeded - before.count; n > 0; n--) await c.pinsPost({ pin: { cid: await inlineCid() } });

		const first = await c.pinsGet({ status: ALL });
		expect(first.count).toBeGreaterThanOrEqual(pinsNeeded);
		expect([...first.results].length).toBeLessThan(first.count);
		expect([...first.results].length).toBe(10);
		const ids = new Set([...first.results].map((p) => p.requestid));
		const oldest = [...first.results].reduce((min, p) => (p.created < min ? p.created : min), new Date());

		const second = await c.pinsGet({ status: ALL, before: oldest });
		expect([...second.results].length).toBeGreaterThan(0);
		for (const p of second.results) ids.add(p.requestid);
		expect(ids.size).toBe([...first.results].length + [...second.results].length);
	});

	it('deleteAllPins: Can delete all pins created during compliance checks; the final count equals the count before the checks', async () => {
		const c = client(peer.pinning.token);
		for (let round = 0; round < 10; round++) {
			const page: PinResults = await c.pinsGet({ status: ALL, limit: 1000 });
			const mine = [...page.results].filter((p: PinStatus) => created.has(p.pin.cid));
			if (mine.length === 0) break;
			for (const p of mine) expect(await statusOf(c.pinsRequestidDelete({ requestid: p.requestid }))).toBe(202);
		}
		expect((await c.pinsGet({ status: ALL })).count).toBe(originalPinCount);
	});
});
