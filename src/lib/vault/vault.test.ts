/**
 * The vault use cases end to end in node, on real parts: libsodium and Umbral,
 * a Helia node with an in-memory blockstore, a real anvil chain with the
 * deployed contracts and the viem chain adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { createPublicClient, createWalletClient, http, verifyMessage, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { startAnvil, ANVIL_PRIVATE_KEYS } from '../../../scripts/anvil.mjs';
import { deployContracts } from '../../../scripts/deploy.mjs';
import { createVaultChain } from '../chain/vaultChain';
import { createMemoryNode } from '../ipfs/memoryNode';
import { DecryptionFailedError, WrongKeyError } from '../crypto/errors';
import { EmptyFileError } from '../records/errors';
import type { VaultDeps } from './deps';
import { createVault } from './createVault';
import { unlockVault } from './unlockVault';
import { encryptRecords, type FileInput } from './addRecords';
import { commitRecords } from './commitRecords';
import { readAttachment } from './openAttachment';
import { VaultExistsError, VaultNotFoundError } from './errors';
import { WalletCancelledError } from './walletErrors';
import { SignatureInvalidError, WeakPassphraseError } from './errors';
import { decodeVaultHeader } from '../crypto/vaultHeader';
import { NonDeterministicSignerError } from '../crypto/errors';
import { getSodium } from '../crypto/sodium';
import siweParser from '@spruceid/siwe-parser';
import { hashMessage, hexToBigInt, numberToHex, parseSignature, serializeSignature } from 'viem';
import { Secp256k1, Signature as OxSignature } from 'ox';

const { ParsedMessage: SiweParsedMessage } = siweParser;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** The same signature with s = n - s and the other y parity: valid, but not canonical. */
const highS = (signature: Hex): Hex => {
	const { r, s, yParity } = parseSignature(signature);
	return serializeSignature({ r, s: numberToHex(N - hexToBigInt(s), { size: 32 }), yParity: 1 - yParity! });
};
/** The same signature with v as 0/1 instead of 27/28. */
const v01 = (signature: Hex): Hex => `${signature.slice(0, 130)}0${Number.parseInt(signature.slice(130), 16) - 27}` as Hex;


const bytesInput = (name: string, type: string, bytes: Uint8Array, pieces = 1): FileInput => ({
	name,
	type,
	size: bytes.length,
	stream: async function* () {
		const step = Math.ceil(bytes.length / pieces) || 1;
		for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
	}
});

const concat = (parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) out.set(p, (o += p.length) - p.length);
	return out;
};

let anvil: Awaited<ReturnType<typeof startAnvil>>;
let addresses: Awaited<ReturnType<typeof deployContracts>>;
const nodes: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
	anvil = await startAnvil();
	addresses = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
});
afterAll(async () => {
	for (const n of nodes) await n.stop();
	await anvil?.stop();
});

async function makeDeps(key: number | Hex, options: { reject?: { sign?: boolean } } = {}) {
	const account = privateKeyToAccount(typeof key === 'number' ? (ANVIL_PRIVATE_KEYS[key] as Hex) : key);
	const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
	const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
	const walletClient = createWalletClient({ chain, account, transport: http(anvil.rpcUrl) });
	const node = await createMemoryNode();
	nodes.push(node);
	const control = {
		rejectSign: options.reject?.sign ?? false,
		signatures: 0,
		/** Every message the wallet was asked to sign. */
		messages: [] as string[],
		/** How the wallet encodes its signatures (a wallet update may change it). */
		encode: (signature: Hex, _message: string): Hex | Promise<Hex> => signature
	};
	const deps: VaultDeps = {
		signer: {
			address: account.address,
			chainId: 31337,
			signMessage: async (message) => {
				control.signatures++;
				control.messages.push(message);
				if (control.rejectSign) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
				return control.encode(await account.signMessage({ message }), message);
			}
		},
		chain: createVaultChain({
			publicClient,
			walletClient,
			account,
			addresses: { keyRegistry: addresses.keyRegistry, vaultRegistry: addresses.vaultRegistry }
		}),
		blobs: node.blobStore,
		local: memoryLocal(),
		domain: 'carevault.test',
		uri: 'https://carevault.test/app/',
		verifySignature: ({ address, message, signature }) => verifyMessage({ address, message, signature })
	};
	return { deps, control, node, account };
}

describe('vault end to end (node)', () => {
	it('creates a vault, adds records in one anchored batch, and reopens them after unlocking', async () => {
		const { deps, control } = await makeDeps(1);
		const { vault, recoveryCode } = await createVault(deps);
		expect(control.signatures).toBe(2);
		expect(recoveryCode).toMatch(/[A-Z0-9]/);

		const text = new TextEncoder().encode('Blood pressure 120/80, <script>alert(1)</script>');
		const big = globalThis.crypto.getRandomValues(new Uint8Array(65536));
		const binary = new Uint8Array(3 * 1024 * 1024 + 5);
		for (let i = 0; i < binary.length; i += big.length) binary.set(big.subarray(0, Math.min(big.length, binary.length - i)), i);

		const progress: number[] = [];
		const records = await encryptRecords(
			deps,
			vault,
			[
				{ title: 'BP note', category: 'notes', date: '2024-02-01', kind: 'file', files: [bytesInput('bp.txt', 'text/plain', text)] },
				{ title: 'Scan', category: 'imaging', date: '2024-03-01', kind: 'file', files: [bytesInput('scan.bin', 'application/octet-stream', binary, 7)] }
			],
			{ onProgress: (p) => progress.push(p.done) }
		);
		expect(progress.at(-1)).toBe(text.length + binary.length);
		const committed = await commitRecords(deps, vault, records);
		expect(committed.index.records).toHaveLength(2);
		expect(committed.index.batches).toBe(1);

		// Nothing readable on-chain: the index pointer is ciphertext, not a CID.
		const pointer = await deps.chain.readIndexPointer(deps.signer.address);
		expect(new TextDecoder().decode(pointer!)).not.toMatch(/bafy|bafk/);

		const reopened = await unlockVault(deps, { kind: 'wallet' });
		expect(reopened.index.records.map((r) => r.title).sort()).toEqual(['BP note', 'Scan']);
		const scan = reopened.index.records.find((r) => r.title === 'Scan')!;
		expect(concat(await readAttachment(deps, reopened, scan, scan.attachments[0]))).toEqual(binary);

		const byCode = await unlockVault(deps, { kind: 'recovery', code: recoveryCode });
		expect(byCode.index.records).toHaveLength(2);
		await expect(unlockVault(deps, { kind: 'recovery', code: recoveryCode.replace(/[A-Z0-9]/, (c) => (c === 'A' ? 'B' : 'A')) })).rejects.toThrow();
	});

	it('refuses a second vault, an empty file, and reports a missing vault clearly', async () => {
		const { deps } = await makeDeps(2);
		await expect(unlockVault(deps, { kind: 'wallet' })).rejects.toBeInstanceOf(VaultNotFoundError);
		const { vault } = await createVault(deps);
		await expect(createVault(deps)).rejects.toBeInstanceOf(VaultExistsError);
		await expect(
			encryptRecords(deps, vault, [{ title: 'e', category: 'other', date: '2024-01-01', kind: 'file', files: [bytesInput('empty.txt', 'text/plain', new Uint8Array())] }])
		).rejects.toBeInstanceOf(EmptyFileError);
	});

	it('a rejected signature creates nothing', async () => {
		const { deps } = await makeDeps(3, { reject: { sign: true } });
		await expect(createVault(deps)).rejects.toBeInstanceOf(WalletCancelledError);
		expect(await deps.chain.readVaultPointer(deps.signer.address)).toBeNull();
	});

	it('a passphrase vault opens with the passphrase only; Argon2id at libsodium MODERATE, recorded in the header', async () => {
		const { deps, control } = await makeDeps(4);
		const { vault } = await createVault(deps, { passphrase: 'correct horse battery staple' });
		expect(control.signatures).toBe(0);
		const sodium = await getSodium();
		const header = decodeVaultHeader(await deps.blobs.getBytes(vault.headerCid));
		expect(header.slots.find((s) => s.kind === 'passphrase')).toMatchObject({
			argon2: { alg: 'argon2id13', opslimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE, memlimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE }
		});
		await expect(unlockVault(deps, { kind: 'passphrase', passphrase: 'wrong horse battery staple' })).rejects.toBeInstanceOf(WrongKeyError);
		const v = await unlockVault(deps, { kind: 'passphrase', passphrase: 'correct horse battery staple' });
		expect(v.index.records).toEqual([]);
	}, 60_000);


	it('an altered ciphertext block fails with DecryptionFailedError while other records open', async () => {
		const { deps, node } = await makeDeps(5);
		const { vault } = await createVault(deps);
		const a = new TextEncoder().encode('first record');
		const b = new TextEncoder().encode('second record');
		const records = await encryptRecords(deps, vault, [
			{ title: 'A', category: 'notes', date: '2024-01-01', kind: 'file', files: [bytesInput('a.txt', 'text/plain', a)] },
			{ title: 'B', category: 'notes', date: '2024-01-02', kind: 'file', files: [bytesInput('b.txt', 'text/plain', b)] }
		]);
		const v = await commitRecords(deps, vault, records);
		const [ra, rb] = v.index.records;
		await node.tamper(ra.attachments[0].manifest.cid);
		await expect(readAttachment(deps, v, ra, ra.attachments[0])).rejects.toBeInstanceOf(DecryptionFailedError);
		expect(concat(await readAttachment(deps, v, rb, rb.attachments[0]))).toEqual(b);
	});
});

describe('the unlock message and signature', () => {
	it('the wallet signs a valid EIP-4361 message naming the app domain and URI, and the same message on every unlock', async () => {
		const { deps, control } = await makeDeps(6);
		const { vault } = await createVault(deps);
		expect(control.messages).toHaveLength(2);
		expect(control.messages[1]).toBe(control.messages[0]);
		const parsed = new SiweParsedMessage(control.messages[0]);
		expect(parsed).toMatchObject({
			domain: 'carevault.test',
			uri: 'https://carevault.test/app/',
			address: deps.signer.address,
			chainId: 31337,
			version: '1',
			statement: 'Unlock your Carevault vault. This signature is your vault key: sign it only on carevault.test.'
		});
		expect(parsed.nonce).toMatch(/^[0-9a-f]{32}$/);
		expect(new Date(parsed.issuedAt!).toISOString()).toBe(parsed.issuedAt);
		// The nonce and Issued At live in the header's wallet slot.
		const header = decodeVaultHeader(await deps.blobs.getBytes(vault.headerCid));
		expect(header.slots[0]).toMatchObject({ kind: 'wallet', message: { nonce: parsed.nonce, issuedAt: parsed.issuedAt } });

		// Another device (nothing local) and a later day rebuild exactly that message.
		const other = { ...deps, local: memoryLocal() };
		await unlockVault(other, { kind: 'wallet' });
		expect(control.messages).toHaveLength(3);
		expect(control.messages[2]).toBe(control.messages[0]);
	});

	it('a wallet that starts sending high-s or v = 0/1 signatures still unlocks', async () => {
		const { deps, control } = await makeDeps(7);
		await createVault(deps);
		for (const encode of [highS, v01, (sig: Hex) => v01(highS(sig))]) {
			control.encode = encode;
			const v = await unlockVault(deps, { kind: 'wallet' });
			expect(v.address).toBe(deps.signer.address);
		}
	});

	it('a vault made by a wallet sending high-s signatures opens with canonical ones; re-encoded twins pass the two-signature check', async () => {
		const { deps, control } = await makeDeps(8);
		let calls = 0;
		// First signature high-s, second canonical: the same signature, so the vault is made.
		control.encode = (sig) => (calls++ === 0 ? highS(sig) : sig);
		await createVault(deps);
		control.encode = (sig) => sig;
		await unlockVault(deps, { kind: 'wallet' });
	});

	it('a wallet whose two signatures really differ is refused and nothing is written', async () => {
		const { deps, control } = await makeDeps(9);
		const privateKey = ANVIL_PRIVATE_KEYS[9] as Hex;
		// Randomised nonces (as some hardware wallets use): valid signatures, different each time.
		control.encode = (_sig, message) =>
			OxSignature.toHex(Secp256k1.sign({ payload: hashMessage(message), privateKey, extraEntropy: true }));
		await expect(createVault(deps)).rejects.toBeInstanceOf(NonDeterministicSignerError);
		expect(await deps.chain.readVaultPointer(deps.signer.address)).toBeNull();
	});

	it('a signature that does not verify to the account is refused', async () => {
		// Refused before any transaction: an unfunded account will do.
		const { deps, control } = await makeDeps(generatePrivateKey());
		const other = privateKeyToAccount(ANVIL_PRIVATE_KEYS[1] as Hex);
		control.encode = (_sig, message) => other.signMessage({ message });
		await expect(createVault(deps)).rejects.toBeInstanceOf(SignatureInvalidError);
	});

	it('a weak passphrase is refused with zxcvbn\'s reason, before anything is stored', async () => {
		const { deps } = await makeDeps(generatePrivateKey());
		const err = await createVault(deps, { passphrase: 'password123456' }).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(WeakPassphraseError);
		expect((err as WeakPassphraseError).reasons).toContain('This is similar to a commonly used password.');
		expect((err as Error).message).toMatch(/^This passphrase is too easy to guess\. This is similar to a commonly used password\./);
		expect(await deps.chain.readVaultPointer(deps.signer.address)).toBeNull();
	});
});
