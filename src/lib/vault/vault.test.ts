/**
 * The vault use cases end to end in node, on real parts: libsodium and Umbral,
 * a Helia node with an in-memory blockstore, a real anvil chain with the
 * deployed contracts and the viem chain adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLocal } from '../../../tests/setup/memoryLocal';
import { createPublicClient, createWalletClient, http, verifyMessage, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
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
import { SignatureCancelledError } from './walletErrors';


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

async function makeDeps(keyIndex: number, options: { reject?: { sign?: boolean } } = {}) {
	const account = privateKeyToAccount(ANVIL_PRIVATE_KEYS[keyIndex] as Hex);
	const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
	const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
	const walletClient = createWalletClient({ chain, account, transport: http(anvil.rpcUrl) });
	const node = await createMemoryNode();
	nodes.push(node);
	const control = { rejectSign: options.reject?.sign ?? false, signatures: 0 };
	const deps: VaultDeps = {
		signer: {
			address: account.address,
			chainId: 31337,
			signMessage: async (message) => {
				control.signatures++;
				if (control.rejectSign) throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
				return account.signMessage({ message });
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
		verifySignature: ({ address, message, signature }) => verifyMessage({ address, message, signature })
	};
	return { deps, control, node };
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
		await expect(createVault(deps)).rejects.toBeInstanceOf(SignatureCancelledError);
		expect(await deps.chain.readVaultPointer(deps.signer.address)).toBeNull();
	});

	it('a passphrase vault opens with the passphrase only', async () => {
		const { deps, control } = await makeDeps(4);
		await createVault(deps, { passphrase: 'correct horse battery staple' });
		expect(control.signatures).toBe(0);
		await expect(unlockVault(deps, { kind: 'passphrase', passphrase: 'wrong horse battery staple' })).rejects.toBeInstanceOf(WrongKeyError);
		const v = await unlockVault(deps, { kind: 'passphrase', passphrase: 'correct horse battery staple' });
		expect(v.index.records).toEqual([]);
	});

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
