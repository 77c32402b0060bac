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
import { kekFromPassphrase, kekFromRecoveryCode, kekFromSignatures, makeRecoveryCode } from './unlock';
import { bytesToHex, toBase64 } from './encoding';
import { InvalidInputError, VaultHeaderCorruptError, WrongKeyError } from './errors';
import { deterministicRandom } from './testkit';

const ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const CHEAP = { alg: 'argon2id13', opslimit: 1, memlimit: 8192 } as const;

async function fixture() {
	const rootSecret = generateRootSecret();
	const walletSalt = new Uint8Array(16).fill(1);
	const passSalt = new Uint8Array(16).fill(2);
	const recoverySalt = new Uint8Array(16).fill(3);
	const signature = new Uint8Array(65).fill(42);
	const code = makeRecoveryCode();
	const walletKek = await kekFromSignatures(signature, signature, walletSalt);
	const passKek = await kekFromPassphrase('tulip river 42', passSalt, CHEAP);
	const recoveryKek = await kekFromRecoveryCode(code, recoverySalt);
	const slots: VaultSlotInput[] = [
		{ kind: 'wallet', address: ADDRESS.toLowerCase(), chainId: 31337, domain: 'localhost:5173', kek: walletKek, salt: walletSalt },
		{ kind: 'passphrase', kek: passKek, salt: passSalt, argon2: CHEAP },
		{ kind: 'recovery', kek: recoveryKek, salt: recoverySalt }
	];
	const header = await createVaultHeader({ rootSecret, owner: ADDRESS, slots });
	return { rootSecret, header, walletKek, passKek, recoveryKek, code, recoverySalt };
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
			expect(bytesToHex(await openVaultHeader(f.header, kind, kek))).toBe(bytesToHex(f.rootSecret));
			const slot = f.header.slots.find((s) => s.kind === kind)!;
			expect(bytesToHex(await openVaultHeader(f.header, slot, kek))).toBe(bytesToHex(f.rootSecret));
		}
	});

	it('WrongKeyError for a wrong KEK or a KEK of another slot kind', async () => {
		const f = await fixture();
		await expect(openVaultHeader(f.header, 'wallet', new Uint8Array(32))).rejects.toThrow(WrongKeyError);
		await expect(openVaultHeader(f.header, 'wallet', f.passKek)).rejects.toThrow(WrongKeyError);
		await expect(openVaultHeader(f.header, 'recovery', await kekFromRecoveryCode(makeRecoveryCode(), f.recoverySalt))).rejects.toThrow(
			'That key does not open this vault.'
		);
	});

	it('survives encode/decode, which is canonical', async () => {
		const f = await fixture();
		const bytes = encodeVaultHeader(f.header);
		const decoded = decodeVaultHeader(bytes);
		expect(bytesToHex(encodeVaultHeader(decoded))).toBe(bytesToHex(bytes));
		expect(bytesToHex(await openVaultHeader(decoded, 'passphrase', f.passKek))).toBe(bytesToHex(f.rootSecret));
		expect(JSON.parse(new TextDecoder().decode(bytes)).slots[0]).toMatchObject({
			kind: 'wallet',
			address: ADDRESS,
			chainId: 31337,
			domain: 'localhost:5173'
		});
	});

	it('a tampered public field makes its slot fail to open', async () => {
		const f = await fixture();
		const tamper = (edit: (h: VaultHeader) => void) => {
			const h = decodeVaultHeader(encodeVaultHeader(f.header));
			edit(h);
			return decodeVaultHeader(encodeVaultHeader(h));
		};
		const cases: Array<[string, VaultHeader, 'wallet' | 'passphrase' | 'recovery', Uint8Array]> = [
			['domain', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].domain = 'evil.example')), 'wallet', f.walletKek],
			['chainId', tamper((h) => h.slots[0].kind === 'wallet' && (h.slots[0].chainId = 1)), 'wallet', f.walletKek],
			['owner', tamper((h) => (h.owner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8')), 'recovery', f.recoveryKek],
			['argon2', tamper((h) => h.slots[1].kind === 'passphrase' && (h.slots[1].argon2 = { ...CHEAP, opslimit: 2 })), 'passphrase', f.passKek],
			['salt', tamper((h) => (h.slots[2].salt = new Uint8Array(16))), 'recovery', f.recoveryKek],
			['ciphertext', tamper((h) => (h.slots[2].ciphertext[0] ^= 1)), 'recovery', f.recoveryKek],
			['nonce', tamper((h) => (h.slots[2].nonce[0] ^= 1)), 'recovery', f.recoveryKek]
		];
		for (const [name, header, kind, kek] of cases) {
			await expect(openVaultHeader(header, kind, kek), name).rejects.toThrow(WrongKeyError);
		}
	});

	it('addSlot adds a way in without changing the root secret', async () => {
		const f = await fixture();
		const salt = new Uint8Array(16).fill(9);
		const kek = await kekFromPassphrase('second passphrase', salt, CHEAP);
		const more = await addSlot(f.header, f.rootSecret, { kind: 'passphrase', kek, salt, argon2: CHEAP });
		expect(more.slots).toHaveLength(4);
		expect(f.header.slots).toHaveLength(3);
		expect(bytesToHex(await openVaultHeader(more, 'passphrase', kek))).toBe(bytesToHex(f.rootSecret));
		expect(bytesToHex(await openVaultHeader(more, 'passphrase', f.passKek))).toBe(bytesToHex(f.rootSecret));
	});

	it('is deterministic with injected randomness', async () => {
		const rootSecret = generateRootSecret(deterministicRandom(1));
		const slots: VaultSlotInput[] = [{ kind: 'recovery', kek: new Uint8Array(32).fill(1), salt: new Uint8Array(16) }];
		const a = await createVaultHeader({ rootSecret, owner: ADDRESS, slots, random: deterministicRandom(2) });
		const b = await createVaultHeader({ rootSecret, owner: ADDRESS, slots, random: deterministicRandom(2) });
		expect(bytesToHex(encodeVaultHeader(a))).toBe(bytesToHex(encodeVaultHeader(b)));
	});

	it('takes the owner from the first wallet slot, and checks its inputs', async () => {
		const kek = new Uint8Array(32);
		const salt = new Uint8Array(16);
		const rootSecret = generateRootSecret();
		const h = await createVaultHeader({
			rootSecret,
			slots: [{ kind: 'wallet', address: ADDRESS.toLowerCase(), chainId: 1, domain: 'a.example', kek, salt }]
		});
		expect(h.owner).toBe(ADDRESS);
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
			['future version', enc({ ...json, v: 2 })],
			['extra field', enc({ ...json, extra: 1 })],
			['missing owner', enc({ ...json, owner: undefined })],
			['bad owner', enc({ ...json, owner: '0x12' })],
			['no slots', enc({ ...json, slots: [] })],
			['unknown kind', enc({ ...json, slots: [{ ...json.slots[2], kind: 'fingerprint' }] })],
			['short salt', enc({ ...json, slots: [{ ...json.slots[2], salt: toBase64(new Uint8Array(15)) }] })],
			['bad base64', enc({ ...json, slots: [{ ...json.slots[2], nonce: '!!!!' }] })],
			['short ciphertext', enc({ ...json, slots: [{ ...json.slots[2], ciphertext: toBase64(new Uint8Array(47)) }] })],
			['slot extra field', enc({ ...json, slots: [{ ...json.slots[2], domain: 'x' }] })],
			['wallet without chain', enc({ ...json, slots: [{ ...json.slots[0], chainId: undefined }] })],
			['huge argon2 memory', enc({ ...json, slots: [{ ...json.slots[1], argon2: { ...CHEAP, memlimit: 2 ** 40 } }] })]
		];
		for (const [name, bytes] of bad) expect(() => decodeVaultHeader(bytes), name).toThrow(VaultHeaderCorruptError);
		expect(() => decodeVaultHeader('{}' as unknown as Uint8Array)).toThrow(InvalidInputError);
	});
});
