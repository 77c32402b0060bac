/** KeyRegistry's provider profiles: registerProvider, providerOf, isProvider, hasKeys. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, parseEventLogs, type Hex } from 'viem';
import { keyRegistryAbi } from '../../src/lib/chain/contracts.generated';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';
import { expectRevert } from './expectRevert';

let t: TestChain;
beforeAll(async () => {
	t = await startTestChain();
});
afterAll(async () => {
	await t?.stop();
});

const PHYSICIAN = 0;
const LAB = 1;
const OTHER = 4;
const RESEARCHER = 5;
const fill = (byte: number, length: number) => bytesToHex(new Uint8Array(length).fill(byte));
const utf8Length = (s: string) => new TextEncoder().encode(s).length;

// The union of calls is checked at each call site; viem cannot type a union in one writeContract call.
async function send(index: number, call: { functionName: 'publishKeys'; args: readonly [Hex, Hex, Hex] } | { functionName: 'registerProvider'; args: readonly [string, number] }) {
	const hash = await t.walletClient(index).writeContract({ address: t.config.contracts.keyRegistry, abi: keyRegistryAbi, ...call } as never);
	const receipt = await t.publicClient.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

const publishKeys = (index: number) => send(index, { functionName: 'publishKeys', args: [fill(0x11, 32), fill(0x22, 32), fill(0x02, 33)] });
const register = (index: number, name: string, role: number) => send(index, { functionName: 'registerProvider', args: [name, role] });
const simulateRegister = (index: number, name: string, role: number) =>
	t.publicClient.simulateContract({
		address: t.config.contracts.keyRegistry,
		abi: keyRegistryAbi,
		functionName: 'registerProvider',
		args: [name, role],
		account: t.account(index)
	});
const view = <F extends 'providerOf' | 'isProvider' | 'hasKeys'>(functionName: F, account: Hex) =>
	t.publicClient.readContract({ address: t.config.contracts.keyRegistry, abi: keyRegistryAbi, functionName, args: [account] } as never) as Promise<
		F extends 'providerOf' ? readonly [string, number, bigint] : boolean
	>;

describe('KeyRegistry: provider profiles', () => {
	it('registers the sender after it published keys, emits ProviderRegistered, and providerOf returns the profile with the block time', async () => {
		const provider = t.account(1).address;
		await publishKeys(1);
		expect(await view('isProvider', provider)).toBe(false);
		const receipt = await register(1, 'Dr. Ada Moreau', PHYSICIAN);

		const logs = parseEventLogs({ abi: keyRegistryAbi, logs: receipt.logs });
		expect(logs.map((l) => [l.eventName, l.args])).toEqual([['ProviderRegistered', { provider, name: 'Dr. Ada Moreau', role: PHYSICIAN }]]);
		const block = await t.publicClient.getBlock({ blockNumber: receipt.blockNumber });
		expect(await view('providerOf', provider)).toEqual(['Dr. Ada Moreau', PHYSICIAN, block.timestamp]);
		expect(await view('isProvider', provider)).toBe(true);
		expect(await view('hasKeys', provider)).toBe(true);
	});

	it('registering twice updates name and role', async () => {
		const provider = t.account(2).address;
		await publishKeys(2);
		await register(2, 'Central Laboratory of the Rhône Valley Hospitals', LAB);
		const receipt = await register(2, 'Lab Rhône', OTHER);
		const [event] = parseEventLogs({ abi: keyRegistryAbi, logs: receipt.logs, eventName: 'ProviderRegistered' });
		expect(event.args).toEqual({ provider, name: 'Lab Rhône', role: OTHER });
		expect((await view('providerOf', provider)).slice(0, 2)).toEqual(['Lab Rhône', OTHER]);
	});

	it('returns exactly the last name for every length class (1 to 64 bytes, multi-byte UTF-8, shorter after longer)', async () => {
		const provider = t.account(3).address;
		await publishKeys(3);
		const names = [
			'x'.repeat(64),
			'A',
			'n'.repeat(21),
			'n'.repeat(22),
			'm'.repeat(23),
			'é'.repeat(16),
			'Ω'.repeat(27),
			'ab'.repeat(27),
			'Dr. 李 ' + 'z'.repeat(50),
			'k'.repeat(55),
			'🩺 Clinique Saint-Éloi',
			'q'.repeat(63)
		];
		for (const [i, name] of names.entries()) {
			expect(utf8Length(name)).toBeLessThanOrEqual(64);
			await register(3, name, i % 5);
			expect(await view('providerOf', provider), name).toEqual([name, i % 5, expect.any(BigInt)]);
		}
	});

	it('an account without published keys cannot register: KeyRegistryKeysNotPublished(account)', async () => {
		const stranger = t.account(4).address;
		await expectRevert(simulateRegister(4, 'Dr. Nobody', PHYSICIAN), 'KeyRegistryKeysNotPublished(address)', [stranger]);
		expect(await view('isProvider', stranger)).toBe(false);
		expect(await view('hasKeys', stranger)).toBe(false);
		expect(await view('providerOf', stranger)).toEqual(['', 0, 0n]);
	});

	it('rejects an empty name, a name over 64 bytes (counting UTF-8 bytes) and a role outside the enum', async () => {
		await publishKeys(5);
		await expectRevert(simulateRegister(5, '', PHYSICIAN), 'KeyRegistryEmptyProviderName()', []);
		await expectRevert(simulateRegister(5, 'y'.repeat(65), PHYSICIAN), 'KeyRegistryProviderNameTooLong(uint256,uint256)', [65n, 64n]);
		await expectRevert(simulateRegister(5, 'é'.repeat(33), PHYSICIAN), 'KeyRegistryProviderNameTooLong(uint256,uint256)', [66n, 64n]);
		await expect(simulateRegister(5, 'Study Centre', RESEARCHER)).resolves.toBeTruthy(); // the last role: researchers register like providers
		for (const role of [6, 255]) await expectRevert(simulateRegister(5, 'Dr. Role', role), 'KeyRegistryInvalidProviderRole(uint8)', [role]);
		expect(await view('isProvider', t.account(5).address)).toBe(false);
	});

	it('a sender writes only its own profile; republishing keys leaves the profile as it was', async () => {
		await publishKeys(6);
		await publishKeys(7);
		await register(6, 'Pharmacie du Port', 2);
		await register(7, 'Assurance Mutuelle', 3);
		expect((await view('providerOf', t.account(6).address)).slice(0, 2)).toEqual(['Pharmacie du Port', 2]);
		expect((await view('providerOf', t.account(7).address)).slice(0, 2)).toEqual(['Assurance Mutuelle', 3]);

		const before = await view('providerOf', t.account(6).address);
		await send(6, { functionName: 'publishKeys', args: [fill(0x44, 32), fill(0x55, 32), fill(0x03, 33)] });
		expect(await view('providerOf', t.account(6).address)).toEqual(before);
	});
});
