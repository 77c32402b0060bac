import { describe, expect, it } from 'vitest';
import {
	addSlot,
	createVaultHeader,
	decodeVaultHeader,
	encodeVaultHeader,
	generateRootSecret,
	openVaultHeader,
	type VaultHeader,
	type VaultSlotInput
} from './vaultHeader';
import { kekFromPassphrase, kekFromRecoveryCode, kekFromSignatures, makeRecoveryCode, unlockMessage } from './unlock';
import { privateKeyToAccount } from 'viem/accounts';
import { hexToBytes } from 'viem';
import { bytesToHex, toBase64 } from './encoding';
import { InvalidInputError, VaultHeaderCorruptError, VaultHeaderOutdatedError, WrongKeyError } from './errors';
import { deterministicRandom } from './testkit';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const CHEAP = { alg: 'argon2id13', opslimit: 1, memlimit: 8192 } as const;
const MESSAGE = {
	domain: 'carevault.localhost',
	uri: 'http://127.0.0.1:5173/',
	address: ADDRESS.toLowerCase(),
	chainId: 31337,
	nonce: '00112233445566778899aabbccddeeff',
	issuedAt: '2026-11-29T22:00:00.000Z'
};
const account = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');

// openVaultHeader zeroes the KEK it is given: the tests hand it copies.
const open = (h: VaultHeader, slot: Parameters<typeof openVaultHeader>[1], kek: Uint8Array) => openVaultHeader(h, slot, kek.slice());
const isZero = (b: Uint8Array) => b.every((x) => x === 0);

async function fixture() {
	const rootSecret = generateRootSecret();
	const walletSalt = new Uint8Array(16).fill(1);
	const passSalt = new Uint8Array(16).fill(2);
	const recoverySalt = new Uint8Array(16).fill(3);
	const signature = hexToBytes(await account.signMessage({ message: unlockMessage(MESSAGE) }));
	const code = makeRecoveryCode();
	const walletKek = await kekFromSignatures(signature, signature, walletSalt);
	const passKek = await kekFromPassphrase('tulip river 42', passSalt, CHEAP);
	const recoveryKek = await kekFromRecoveryCode(code, recoverySalt);
	const slots: VaultSlotInput[] = [
		{ kind: 'wallet', message: MESSAGE, kek: walletKek.slice(), salt: walletSalt },
		{ kind: 'passphrase', kek: passKek.slice(), salt: passSalt, argon2: CHEAP },
		{ kind: 'recovery', kek: recoveryKek.slice(), salt: recoverySalt }
	];
	const header = await createVaultHeader({ rootSecret, owner: ADDRESS, slots });
	return { rootSecret, header, slots, walletKek, passKek, recoveryKek, code, recoverySalt };
}

describe('vault header', () => {
	it('opens with the right KEK for every kind, by kind or by slot', async () => {
		const f = await fixture();
		expect(f.header.owner).toBe(ADDRESS);
		expect(f.header.slots.map((s) => s.kind)).toEqual(['wallet', 'passphrase', 'recovery']);
		for (const [kind, kek] of [
			['wallet', f.walletKek],
			['passphrase', f.passKek],
			['recovery', f.recoveryKek]
		] as const) {
			expect(bytesToHex(await open(f.header, kind, kek))).toBe(bytesToHex(f.rootSecret));
			const slot = f.header.slots.find((s) => s.kind === kind)!;
			expect(bytesToHex(await open(f.header, slot, kek))).toBe(bytesToHex(f.rootSecret));
		}
	});

	it('WrongKeyError for a wrong KEK or a KEK of another slot kind', async () => {
		const f = await fixture();
		await expect(open(f.header, 'wallet', new Uint8Array(32))).rejects.toThrow(WrongKeyError);
		await expect(open(f.header, 'wallet', f.passKek)).rejects.toThrow(WrongKeyError);
		await expect(open(f.header, 'recovery', await kekFromRecoveryCode(makeRecoveryCode(), f.recoverySalt))).rejects.toThrow(
			'That key does not open this vault.'
		);
	});

	it('survives encode/decode, which is canonical', async () => {
		const f = await fixture();
		const bytes = encodeVaultHeader(f.header);
		const decoded = decodeVaultHeader(bytes);
		expect(bytesToHex(encodeVaultHeader(decoded))).toBe(bytesToHex(bytes));
		expect(bytesToHex(await open(decoded, 'passphrase', f.passKek))).toBe(bytesToHex(f.rootSecret));
		const json = JSON.parse(new TextDecoder().decode(bytes));
		expect(json.v).toBe(2);
		// Every field of the signed message is kept, so any device rebuilds the same message.
		expect(json.slots[0]).toMatchObject({ kind: 'wallet', message: { ...MESSAGE, address: ADDRESS } });
		const slot = decoded.slots[0];
		expect(slot.kind === 'wallet' && unlockMessage(slot.message)).toBe(unlockMessage(MESSAGE));
	});

	it('a tampered public field makes its slot fail to open', async () => {
		const f = await fixture();
		const tamper = (edit: (h: VaultHeader) => void) => {
			const h = decodeVaultHeader(encodeVaultHeader(f.header));
			edit(h);
			return decodeVaultHeader(encodeVaultHeader(h));
		};
		const cases: Array<[string, VaultHeader, 'wallet' | 'passphrase' | 'recovery', Uint8Array]> = [
			['domain', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].message.domain = 'evil.example')), 'wallet', f.walletKek],
			['uri', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].message.uri = 'https://evil.example/')), 'wallet', f.walletKek],
			['chainId', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].message.chainId = 1)), 'wallet', f.walletKek],
			['message nonce', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].message.nonce = 'ffffffffffffffff')), 'wallet', f.walletKek],
			['issuedAt', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].message.issuedAt = '2026-11-29T22:00:01.000Z')), 'wallet', f.walletKek],
			['owner', tamper((h) => (h.owner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8')), 'recovery', f.recoveryKek],
			['argon2', tamper((h) => h.slots[1].kind === 'passphrase' && (h.slots[1].argon2 = { ...CHEAP, opslimit: 2 })), 'passphrase', f.passKek],
			['salt', tamper((h) => (h.slots[2].salt = new Uint8Array(16))), 'recovery', f.recoveryKek],
			['ciphertext', tamper((h) => (h.slots[2].ciphertext[0] ^= 1)), 'recovery', f.recoveryKek],
			['nonce', tamper((h) => (h.slots[2].nonce[0] ^= 1)), 'recovery', f.recoveryKek]
		];
		for (const [name, header, kind, kek] of cases) {
			await expect(open(header, kind, kek), name).rejects.toThrow(WrongKeyError);
		}
	});

	it('addSlot adds a way in without changing the root secret', async () => {
		const f = await fixture();
		const salt = new Uint8Array(16).fill(9);
		const kek = await kekFromPassphrase('second passphrase', salt, CHEAP);
		const more = await addSlot(f.header, f.rootSecret, { kind: 'passphrase', kek: kek.slice(), salt, argon2: CHEAP });
		expect(more.slots).toHaveLength(4);
		expect(f.header.slots).toHaveLength(3);
		expect(bytesToHex(await open(more, 'passphrase', kek))).toBe(bytesToHex(f.rootSecret));
		expect(bytesToHex(await open(more, 'passphrase', f.passKek))).toBe(bytesToHex(f.rootSecret));
	});

	it('is deterministic with injected randomness', async () => {
		const rootSecret = generateRootSecret(deterministicRandom(1));
		const slots = (): VaultSlotInput[] => [{ kind: 'recovery', kek: new Uint8Array(32).fill(1), salt: new Uint8Array(16) }];
		const a = await createVaultHeader({ rootSecret, owner: ADDRESS, slots: slots(), random: deterministicRandom(2) });
		const b = await createVaultHeader({ rootSecret, owner: ADDRESS, slots: slots(), random: deterministicRandom(2) });
		expect(bytesToHex(encodeVaultHeader(a))).toBe(bytesToHex(encodeVaultHeader(b)));
	});

	it('takes the owner from the first wallet slot, and checks its inputs', async () => {
		const kek = new Uint8Array(32);
		const salt = new Uint8Array(16);
		const rootSecret = generateRootSecret();
		const h = await createVaultHeader({
			rootSecret,
			slots: [{ kind: 'wallet', message: { ...MESSAGE, chainId: 1, domain: 'a.example' }, kek, salt }]
		});
		expect(h.owner).toBe(ADDRESS);
		await expect(
			createVaultHeader({ rootSecret, slots: [{ kind: 'wallet', message: { ...MESSAGE, issuedAt: 'today' }, kek: new Uint8Array(32), salt }] })
		).rejects.toThrow(InvalidInputError);
		await expect(createVaultHeader({ rootSecret, slots: [{ kind: 'recovery', kek, salt }] })).rejects.toThrow(InvalidInputError);
		await expect(createVaultHeader({ rootSecret, owner: ADDRESS, slots: [] })).rejects.toThrow(InvalidInputError);
		await expect(createVaultHeader({ rootSecret: new Uint8Array(31), owner: ADDRESS, slots: [{ kind: 'recovery', kek, salt }] })).rejects.toThrow(
			'rootSecret: expected Uint8Array of length 32, got length=31'
		);
		await expect(createVaultHeader({ rootSecret, owner: ADDRESS, slots: [{ kind: 'recovery', kek, salt: new Uint8Array(8) }] })).rejects.toThrow(
			InvalidInputError
		);
	});
});

describe('decodeVaultHeader is strict', () => {
	it('rejects anything it would not have written', async () => {
		const f = await fixture();
		const json = JSON.parse(new TextDecoder().decode(encodeVaultHeader(f.header)));
		const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
		const bad: Array<[string, Uint8Array]> = [
			['not JSON', new TextEncoder().encode('{')],
			['not UTF-8', new Uint8Array([0xff, 0xfe])],
			['array', enc([])],
			['wrong format', enc({ ...json, format: 'other' })],
			['future version', enc({ ...json, v: 3 })],
			['extra field', enc({ ...json, extra: 1 })],
			['missing owner', enc({ ...json, owner: undefined })],
			['bad owner', enc({ ...json, owner: '0x12' })],
			['no slots', enc({ ...json, slots: [] })],
			['unknown kind', enc({ ...json, slots: [{ ...json.slots[2], kind: 'fingerprint' }] })],
			['short salt', enc({ ...json, slots: [{ ...json.slots[2], salt: toBase64(new Uint8Array(15)) }] })],
			['bad base64', enc({ ...json, slots: [{ ...json.slots[2], nonce: '!!!!' }] })],
			['short ciphertext', enc({ ...json, slots: [{ ...json.slots[2], ciphertext: toBase64(new Uint8Array(47)) }] })],
			['slot extra field', enc({ ...json, slots: [{ ...json.slots[2], domain: 'x' }] })],
			['wallet without chain', enc({ ...json, slots: [{ ...json.slots[0], message: { ...json.slots[0].message, chainId: undefined } }] })],
			['wallet without issuedAt', enc({ ...json, slots: [{ ...json.slots[0], message: { ...json.slots[0].message, issuedAt: undefined } }] })],
			['wallet with a bad issuedAt', enc({ ...json, slots: [{ ...json.slots[0], message: { ...json.slots[0].message, issuedAt: '2026-11-29' } }] })],
			['wallet with a short nonce', enc({ ...json, slots: [{ ...json.slots[0], message: { ...json.slots[0].message, nonce: 'abc' } }] })],
			['format-1 wallet fields', enc({ ...json, slots: [{ ...json.slots[0], domain: 'localhost:5173' }] })],
			['huge argon2 memory', enc({ ...json, slots: [{ ...json.slots[1], argon2: { ...CHEAP, memlimit: 2 ** 40 } }] })]
		];
		for (const [name, bytes] of bad) expect(() => decodeVaultHeader(bytes), name).toThrow(VaultHeaderCorruptError);
		expect(() => decodeVaultHeader('{}' as unknown as Uint8Array)).toThrow(InvalidInputError);
	});
});

describe('keys are wiped after use', () => {
	it('createVaultHeader and addSlot zero every KEK they were given', async () => {
		const f = await fixture();
		for (const slot of f.slots) expect(isZero(slot.kek), slot.kind).toBe(true);
		expect(isZero(f.walletKek)).toBe(false);
		const kek = new Uint8Array(32).fill(7);
		await addSlot(f.header, f.rootSecret, { kind: 'recovery', kek, salt: new Uint8Array(16) });
		expect(isZero(kek)).toBe(true);
	});

	it('openVaultHeader zeroes the KEK whether it opened the vault or not', async () => {
		const f = await fixture();
		const good = f.recoveryKek.slice();
		expect(bytesToHex(await openVaultHeader(f.header, 'recovery', good))).toBe(bytesToHex(f.rootSecret));
		expect(isZero(good)).toBe(true);
		const wrong = new Uint8Array(32).fill(9);
		await expect(openVaultHeader(f.header, 'wallet', wrong)).rejects.toThrow(WrongKeyError);
		expect(isZero(wrong)).toBe(true);
	});
});

describe('format 1 headers (unlock message without Issued At, bound to the page host)', () => {
	it('are refused with a message that says why', () => {
		const v1 = {
			format: 'carevault/vault-header',
			v: 1,
			owner: ADDRESS,
			slots: [
				{
					kind: 'wallet',
					address: ADDRESS,
					chainId: 31337,
					domain: 'localhost:5173',
					salt: toBase64(new Uint8Array(16)),
					nonce: toBase64(new Uint8Array(24)),
					ciphertext: toBase64(new Uint8Array(48))
				}
			]
		};
		const bytes = new TextEncoder().encode(JSON.stringify(v1));
		expect(() => decodeVaultHeader(bytes)).toThrow(VaultHeaderOutdatedError);
		expect(() => decodeVaultHeader(bytes)).toThrow(/early test version of Carevault/);
	});
});
