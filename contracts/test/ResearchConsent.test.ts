/** ResearchConsent: studies by registered researchers, revocable consent, releases only while consent holds. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, createTestClient, http, parseEventLogs, type Hex } from 'viem';
import { keyRegistryAbi, researchConsentAbi } from '../../src/lib/chain/contracts.generated';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';
import { expectRevert } from './expectRevert';

let t: TestChain;
let address: Hex;
beforeAll(async () => {
	t = await startTestChain();
	address = t.config.contracts.researchConsent as Hex;
	expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
	// 1: a researcher; 3: a physician (registered, but not a researcher); 2, 4: patients.
	for (const [index, role] of [[1, RESEARCHER], [3, 0]] as const) {
		await mined(t.walletClient(index).writeContract({ address: t.config.contracts.keyRegistry, abi: keyRegistryAbi, functionName: 'publishKeys', args: [fill(0x11, 32), fill(0x22, 32), fill(0x02, 33)] }));
		await mined(t.walletClient(index).writeContract({ address: t.config.contracts.keyRegistry, abi: keyRegistryAbi, functionName: 'registerProvider', args: [`Account ${index}`, role] }));
	}
});
afterAll(async () => {
	await t?.stop();
});

const RESEARCHER = 5;
const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const POINTER = fill(0xab, 150);

async function mined(hash: Promise<Hex>) {
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash: await hash });
	expect(receipt.status).toBe('success');
	return receipt;
}
const now = async () => (await t.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
const write = (index: number, functionName: 'registerStudy' | 'giveConsent' | 'release' | 'withdrawConsent', args: readonly unknown[]) =>
	t.walletClient(index).writeContract({ address, abi: researchConsentAbi, functionName, args } as never);
const simulate = (index: number, functionName: 'registerStudy' | 'giveConsent' | 'release' | 'withdrawConsent', args: readonly unknown[]) =>
	t.publicClient.simulateContract({ address, abi: researchConsentAbi, functionName, args, account: t.account(index) } as never);
const read = <T>(functionName: string, args: readonly unknown[]) => t.publicClient.readContract({ address, abi: researchConsentAbi, functionName, args } as never) as Promise<T>;

async function newStudy(endsIn = 86_400n, categories = 0b111): Promise<bigint> {
	const endsAt = (await now()) + endsIn;
	const receipt = await mined(write(1, 'registerStudy', ['Diabetes outcomes', categories, endsAt]));
	const [log] = parseEventLogs({ abi: researchConsentAbi, logs: receipt.logs, eventName: 'StudyRegistered' });
	return log.args.studyId;
}

describe('ResearchConsent: studies', () => {
	it('a researcher registers a study: StudyRegistered with its fields, studyOf and studyCount', async () => {
		const endsAt = (await now()) + 1000n;
		const before = await read<bigint>('studyCount', []);
		const receipt = await mined(write(1, 'registerStudy', ['Asthma in children', 0b1000_0000_0101, endsAt]));
		const logs = parseEventLogs({ abi: researchConsentAbi, logs: receipt.logs });
		const studyId = before + 1n;
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([
			['StudyRegistered', { studyId, researcher: t.account(1).address, categories: 0b1000_0000_0101, endsAt, purpose: 'Asthma in children' }]
		]);
		expect(await read('studyOf', [studyId])).toEqual([t.account(1).address, 0b1000_0000_0101, endsAt]);
		expect(await read('studyCount', [])).toBe(studyId);
		expect(await read('studyOf', [studyId + 1n])).toEqual(['0x0000000000000000000000000000000000000000', 0, 0n]);
	});

	it('only a registered researcher may register a study', async () => {
		const endsAt = (await now()) + 1000n;
		await expectRevert(simulate(3, 'registerStudy', ['x', 1, endsAt]), 'ResearchConsentNotResearcher(address)', [t.account(3).address]);
		await expectRevert(simulate(2, 'registerStudy', ['x', 1, endsAt]), 'ResearchConsentNotResearcher(address)', [t.account(2).address]);
	});

	it('refuses an empty or long purpose, no categories, an end in the past', async () => {
		const endsAt = (await now()) + 1000n;
		await expectRevert(simulate(1, 'registerStudy', ['', 1, endsAt]), 'ResearchConsentEmptyPurpose()');
		await expectRevert(simulate(1, 'registerStudy', ['a'.repeat(513), 1, endsAt]), 'ResearchConsentPurposeTooLong(uint256,uint256)', [513n, 512n]);
		await expect(simulate(1, 'registerStudy', ['a'.repeat(512), 1, endsAt])).resolves.toBeTruthy();
		await expectRevert(simulate(1, 'registerStudy', ['x', 0, endsAt]), 'ResearchConsentNoCategories()');
		const past = (await now()) - 1n;
		await expectRevert(simulate(1, 'registerStudy', ['x', 1, past]), 'ResearchConsentEndInPast(uint64,uint256)');
	});
});

describe('ResearchConsent: consent', () => {
	it('a patient consents (ConsentGiven + DataReleased with the sealed pointer), releases again, withdraws; no release after', async () => {
		const studyId = await newStudy();
		const patient = t.account(2).address;
		const researcher = t.account(1).address;
		expect(await read('isConsentActive', [studyId, patient])).toBe(false);

		const given = await mined(write(2, 'giveConsent', [studyId, POINTER]));
		expect(parseEventLogs({ abi: researchConsentAbi, logs: given.logs }).map((l) => [l.eventName, l.args])).toEqual([
			['ConsentGiven', { studyId, patient, researcher }],
			['DataReleased', { studyId, patient, researcher, sealedPointer: POINTER }]
		]);
		const givenAt = (await t.publicClient.getBlock({ blockNumber: given.blockNumber })).timestamp;
		expect(await read('consentOf', [studyId, patient])).toEqual([givenAt, 0n]);
		expect(await read('isConsentActive', [studyId, patient])).toBe(true);
		await expectRevert(simulate(2, 'giveConsent', [studyId, POINTER]), 'ResearchConsentAlreadyGiven(uint256,address)', [studyId, patient]);

		const again = await mined(write(2, 'release', [studyId, fill(0xcd, 99)]));
		expect(parseEventLogs({ abi: researchConsentAbi, logs: again.logs }).map((l) => [l.eventName, l.args])).toEqual([
			['DataReleased', { studyId, patient, researcher, sealedPointer: fill(0xcd, 99) }]
		]);

		const withdrawn = await mined(write(2, 'withdrawConsent', [studyId]));
		expect(parseEventLogs({ abi: researchConsentAbi, logs: withdrawn.logs }).map((l) => [l.eventName, l.args])).toEqual([
			['ConsentWithdrawn', { studyId, patient, researcher }]
		]);
		const withdrawnAt = (await t.publicClient.getBlock({ blockNumber: withdrawn.blockNumber })).timestamp;
		expect(await read('consentOf', [studyId, patient])).toEqual([givenAt, withdrawnAt]);
		expect(await read('isConsentActive', [studyId, patient])).toBe(false);
		await expectRevert(simulate(2, 'release', [studyId, POINTER]), 'ResearchConsentNotGiven(uint256,address)', [studyId, patient]);
		await expectRevert(simulate(2, 'withdrawConsent', [studyId]), 'ResearchConsentNotGiven(uint256,address)', [studyId, patient]);
		// Consenting again is a new decision, allowed.
		await mined(write(2, 'giveConsent', [studyId, POINTER]));
		expect(await read('isConsentActive', [studyId, patient])).toBe(true);
	});

	it('each patient decides only for itself: another cannot release or withdraw for it', async () => {
		const studyId = await newStudy();
		await mined(write(2, 'giveConsent', [studyId, POINTER]));
		await expectRevert(simulate(4, 'withdrawConsent', [studyId]), 'ResearchConsentNotGiven(uint256,address)', [studyId, t.account(4).address]);
		await expectRevert(simulate(4, 'release', [studyId, POINTER]), 'ResearchConsentNotGiven(uint256,address)', [studyId, t.account(4).address]);
		await expectRevert(simulate(1, 'withdrawConsent', [studyId]), 'ResearchConsentNotGiven(uint256,address)', [studyId, t.account(1).address]);
		expect(await read('isConsentActive', [studyId, t.account(2).address])).toBe(true);
	});

	it('unknown study, empty or long pointer', async () => {
		const studyId = await newStudy();
		await expectRevert(simulate(2, 'giveConsent', [0n, POINTER]), 'ResearchConsentUnknownStudy(uint256)', [0n]);
		await expectRevert(simulate(2, 'giveConsent', [studyId + 100n, POINTER]), 'ResearchConsentUnknownStudy(uint256)', [studyId + 100n]);
		await expectRevert(simulate(2, 'withdrawConsent', [studyId + 100n]), 'ResearchConsentUnknownStudy(uint256)', [studyId + 100n]);
		await expectRevert(simulate(2, 'giveConsent', [studyId, '0x']), 'ResearchConsentEmptyPointer()');
		await expectRevert(simulate(2, 'giveConsent', [studyId, fill(1, 513)]), 'ResearchConsentPointerTooLong(uint256,uint256)', [513n, 512n]);
	});

	it('after the end date: no consent and no release, but withdrawal still works', async () => {
		const studyId = await newStudy(100n);
		await mined(write(2, 'giveConsent', [studyId, POINTER]));
		const testClient = createTestClient({ chain: t.chain, mode: 'anvil', transport: http(t.rpcUrl, { retryCount: 0 }) });
		await testClient.increaseTime({ seconds: 200 });
		await testClient.mine({ blocks: 1 });
		const [, , endsAt] = await read<readonly [Hex, number, bigint]>('studyOf', [studyId]);
		expect(await read('isConsentActive', [studyId, t.account(2).address])).toBe(false);
		await expectRevert(simulate(2, 'release', [studyId, POINTER]), 'ResearchConsentStudyEnded(uint256,uint64)', [studyId, endsAt]);
		await expectRevert(simulate(4, 'giveConsent', [studyId, POINTER]), 'ResearchConsentStudyEnded(uint256,uint64)', [studyId, endsAt]);
		await mined(write(2, 'withdrawConsent', [studyId]));
	});
});
