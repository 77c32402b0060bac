/**
 * Each audit source against a real anvil: a patient's whole story (records
 * added, a proposal accepted and one rejected, grants made, extended,
 * expired and revoked, an access request answered each way, an access
 * reported by the grantee) comes back as entries in chain order, with block
 * times and transactions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, keccak256, parseEventLogs, type Abi, type Hex } from 'viem';
import { grantsAbi, keyRegistryAbi, proposalsAbi, vaultRegistryAbi } from './contracts.generated';
import { startGrantsTestChain, type GrantsTestChain } from '../../../contracts/test/grantsTestChain';
import { coreAuditSources, grantsAuditSource, latestBlock, proposalsAuditSource, vaultAuditSource } from './auditSources';
import { createGrantChain } from './grantChain';
import { readAuditTrail } from '../vault/audit/trail';
import type { AuditEntry } from '../vault/audit/entry';

let t: GrantsTestChain;
const PATIENT = 1;
const PROVIDER = 3;
const PROVIDER_2 = 4;
const LINK = 7;
const HOUR = 3600;

const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const addr = (i: number) => t.account(i).address;

async function send(index: number, address: Hex, abi: Abi, functionName: string, args: readonly unknown[]) {
	const hash = await t.walletClient(index).writeContract({ address, abi, functionName, args } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}
const grants = (i: number, fn: string, args: readonly unknown[]) => send(i, t.addresses.grants, grantsAbi as Abi, fn, args);
const proposals = (i: number, fn: string, args: readonly unknown[]) => send(i, t.addresses.proposals, proposalsAbi as Abi, fn, args);
async function grant(grantee: Hex, expiresAt = 0n) {
	const p = fill(0x42, 120);
	const r = await grants(PATIENT, 'grant', [grantee, expiresAt, p, keccak256(p)]);
	return parseEventLogs({ abi: grantsAbi, logs: r.logs, eventName: 'Granted' })[0].args.id;
}

const story: Array<{ kind: AuditEntry['kind']; tx: Hex | null }> = [];
const note = (kind: AuditEntry['kind'], r: { transactionHash: Hex } | null) => story.push({ kind, tx: r?.transactionHash ?? null });

beforeAll(async () => {
	t = await startGrantsTestChain();
	for (const i of [PATIENT, PROVIDER, PROVIDER_2]) await send(i, t.addresses.keyRegistry, keyRegistryAbi as Abi, 'publishKeys', [fill(i, 32), fill(i + 16, 32), fill(0x02, 33)]);
	for (const i of [PROVIDER, PROVIDER_2]) await send(i, t.addresses.keyRegistry, keyRegistryAbi as Abi, 'registerProvider', [`Dr. ${i}`, 0]);

	note('records-added', await send(PATIENT, t.addresses.vaultRegistry, vaultRegistryAbi as Abi, 'commitBatch', [0n, fill(0x11, 32), 3, fill(0x33, 99)]));
	note('record-proposed', await proposals(PROVIDER, 'propose', [addr(PATIENT), fill(0x55, 200)]));
	note('record-proposed', await proposals(PROVIDER, 'propose', [addr(PATIENT), fill(0x56, 200)]));
	note('proposal-accepted', await proposals(PATIENT, 'accept', [0n, fill(0x12, 32)]));
	note('proposal-rejected', await proposals(PATIENT, 'reject', [1n]));
	const expiresAt = (await t.now()) + BigInt(HOUR);
	const g1 = await grant(addr(PROVIDER), expiresAt);
	story.push({ kind: 'grant-made', tx: null });
	note('grant-extended', await grants(PATIENT, 'updatePointer', [g1, fill(0x43, 120), keccak256(fill(0x43, 120))]));
	note('access-reported', await grants(PROVIDER, 'reportAccess', [g1, 5]));
	const r = await grants(PROVIDER_2, 'requestAccess', [addr(PATIENT), fill(0x66, 100)]);
	note('access-requested', r);
	const requestId = parseEventLogs({ abi: grantsAbi, logs: r.logs, eventName: 'AccessRequested' })[0].args.id;
	const p = fill(0x44, 120);
	const approved = await grants(PATIENT, 'approveRequest', [requestId, 0n, p, keccak256(p)]);
	story.push({ kind: 'grant-made', tx: approved.transactionHash }, { kind: 'access-answered', tx: approved.transactionHash });
	note('access-requested', await grants(PROVIDER_2, 'requestAccess', [addr(PATIENT), fill(0x67, 100)]));
	note('access-answered', await grants(PATIENT, 'declineRequest', [requestId + 1n]));
	const link = await grant(addr(LINK));
	story.push({ kind: 'grant-made', tx: null });
	await t.advanceTime(HOUR);
	story.push({ kind: 'grant-expired', tx: null });
	note('grant-revoked', await grants(PATIENT, 'revoke', [link]));
	// Through the app's adapter: the grantee's report of the approved grant.
	const doctor = createGrantChain({ publicClient: t.publicClient, walletClient: t.walletClient(PROVIDER_2), account: t.account(PROVIDER_2), addresses: t.addresses });
	const approvedId = parseEventLogs({ abi: grantsAbi, logs: approved.logs, eventName: 'Granted' })[0].args.id;
	story.push({ kind: 'access-reported', tx: await doctor.reportAccess({ id: approvedId, count: 2 }) });
});
afterAll(async () => {
	await t?.stop();
});

const clients = () => ({ publicClient: t.publicClient, addresses: { ...t.config.contracts, ...t.addresses }, fromBlock: BigInt(t.deployBlock) });

describe('audit sources', () => {
	it('together tell the whole story in chain order, each entry with its block time and transaction', async () => {
		const c = clients();
		const trail = await readAuditTrail({ sources: coreAuditSources(c), latestBlock: () => latestBlock(c) }, { address: addr(PATIENT), index: {} });
		expect(trail.failed).toEqual([]);
		expect(trail.entries.map((e) => e.kind)).toEqual(story.map((s) => s.kind));
		for (const [i, e] of trail.entries.entries()) {
			if (story[i].tx) expect(e.transactionHash, e.kind).toBe(story[i].tx);
			if (e.transactionHash) {
				const receipt = await t.publicClient.getTransactionReceipt({ hash: e.transactionHash });
				expect(receipt.blockNumber).toBe(e.blockNumber);
				expect(e.timestamp).toBe(Number((await t.publicClient.getBlock({ blockNumber: e.blockNumber })).timestamp));
			}
		}
		const byKind = (k: AuditEntry['kind']) => trail.entries.filter((e) => e.kind === k);
		expect(byKind('records-added')[0]).toMatchObject({ actor: addr(PATIENT), summary: 'Records added: batch 0, 3 files anchored' });
		expect(byKind('record-proposed')[0]).toMatchObject({ actor: addr(PROVIDER), counterparty: addr(PATIENT) });
		expect(byKind('access-reported').map((e) => [e.actor, e.summary])).toEqual([
			[addr(PROVIDER), 'Opened 5 shared records (grant #1; reported by their app)'],
			[addr(PROVIDER_2), 'Opened 2 shared records (grant #2; reported by their app)']
		]);
		expect(byKind('access-answered').map((e) => [e.counterparty, e.summary])).toEqual([
			[addr(PROVIDER_2), 'Approved request #1 with grant #2'],
			[addr(PROVIDER_2), 'Declined request #2']
		]);
		// Expiry is derived: no transaction, at the first block at or after the end time, before that block's transactions.
		const [expired] = byKind('grant-expired');
		expect(expired.transactionHash).toBeUndefined();
		expect(expired.logIndex).toBe(-1);
		const block = await t.publicClient.getBlock({ blockNumber: expired.blockNumber });
		const before = await t.publicClient.getBlock({ blockNumber: expired.blockNumber - 1n });
		expect(Number(block.timestamp)).toBeGreaterThanOrEqual(expired.timestamp);
		expect(Number(before.timestamp)).toBeLessThan(expired.timestamp);
	});

	it('each source answers only for the range asked, and a share link the vault knows reads as a link with its label', async () => {
		const c = clients();
		const to = await latestBlock(c);
		const all = await grantsAuditSource(c, c.fromBlock).read(addr(PATIENT), { fromBlock: c.fromBlock, toBlock: to });
		const made = all.filter((e) => e.kind === 'grant-made');
		const mid = made[1].blockNumber;
		const late = await grantsAuditSource(c, c.fromBlock).read(addr(PATIENT), { fromBlock: mid, toBlock: to });
		expect(late).toEqual(all.filter((e) => e.blockNumber >= mid));
		expect(await vaultAuditSource(c, c.fromBlock).read(addr(PROVIDER), { fromBlock: c.fromBlock, toBlock: to })).toEqual([]);
		expect((await proposalsAuditSource(c, c.fromBlock).read(addr(PATIENT), { fromBlock: c.fromBlock, toBlock: to })).length).toBe(4);

		const linkId = made[2].subject!.id.toString();
		const trail = await readAuditTrail(
			{ sources: [grantsAuditSource(c, c.fromBlock)], latestBlock: () => latestBlock(c) },
			{ address: addr(PATIENT), index: { grants: [{ id: linkId, grantee: addr(LINK), kind: 'link', label: 'ER visit', scope: { categories: [] }, expiresAt: 0, createdAt: '' }] } }
		);
		expect(trail.entries.filter((e) => e.kind.startsWith('link-')).map((e) => [e.kind, e.summary])).toEqual([
			['link-made', `Made share link "ER visit" (grant #${linkId})`],
			['link-revoked', `Revoked share link "ER visit" (grant #${linkId})`]
		]);
	});

	it('a source whose RPC fails is named, and the others still answer', async () => {
		const c = clients();
		const broken = { name: 'broken', read: () => Promise.reject(new Error('RPC down')) };
		const trail = await readAuditTrail({ sources: [broken, vaultAuditSource(c, c.fromBlock)], latestBlock: () => latestBlock(c) }, { address: addr(PATIENT), index: {} });
		expect(trail.failed.map((f) => f.source)).toEqual(['broken']);
		expect(trail.entries.map((e) => e.kind)).toEqual(['records-added']);
	});
});
