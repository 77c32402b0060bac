import { kekFromPassphrase, kekFromRecoveryCode, kekFromSignature, unlockMessage } from '../crypto/unlock';
import { decodeVaultHeader, openVaultHeader, type VaultHeader, type WalletSlot } from '../crypto/vaultHeader';
import { deriveVaultKeys, publicKeysOf } from '../crypto/keys';
import { WrongKeyError } from '../crypto/errors';
import { NoSlotForMethodError, VaultNotFoundError } from './errors';
import { headerKey, type OpenVault, type VaultDeps } from './deps';
import { signUnlockMessage } from './unlockMessage';
import { loadIndex } from './vaultIndex';
import type { Hex } from './ports';

export type UnlockMethod =
	| { kind: 'wallet' }
	| { kind: 'passphrase'; passphrase: string }
	| { kind: 'recovery'; code: string };

/**
 * Finds the vault header (this device first, then the chain pointer and IPFS),
 * opens it with the chosen method and loads the record index.
 */
export async function unlockVault(deps: VaultDeps, method: UnlockMethod): Promise<OpenVault> {
	const { header, headerCid } = await findVaultHeader(deps, deps.signer.address);
	const rootSecret = await openWith(deps, header, method);
	let keys;
	try {
		keys = await deriveVaultKeys(rootSecret);
	} finally {
		rootSecret.fill(0);
	}
	const index = await loadIndex(deps, keys);
	// createVault writes the pointer before the keys; if it stopped in between,
	// finish it here (keys derive from the root secret, so this is the same write).
	if (!(await deps.chain.readKeys(deps.signer.address))) await deps.chain.publishKeys(publicKeysOf(keys));
	return { address: deps.signer.address, keys, index, headerCid };
}

/** Whether `address` has a vault: the chain pointer is the source of truth. */
export async function findVaultHeader(
	deps: Pick<VaultDeps, 'chain' | 'blobs' | 'local'>,
	address: Hex
): Promise<{ header: VaultHeader; headerCid: string }> {
	const headerCid = await deps.chain.readVaultPointer(address);
	if (!headerCid) throw new VaultNotFoundError(address);
	// Cached under its CID: a header replaced on another device is fetched anew.
	const cacheKey = headerKey(address, headerCid);
	const cached = await deps.local.get(cacheKey);
	if (cached) {
		try {
			return { header: decodeVaultHeader(cached), headerCid };
		} catch {
			// A damaged local copy is not fatal: IPFS has the original.
		}
	}
	const bytes = await deps.blobs.getBytes(headerCid);
	const header = decodeVaultHeader(bytes);
	await deps.local.put(cacheKey, bytes);
	return { header, headerCid };
}

async function openWith(deps: VaultDeps, header: VaultHeader, method: UnlockMethod): Promise<Uint8Array> {
	const slots = header.slots.filter((s) => s.kind === method.kind);
	if (method.kind === 'wallet') {
		const own = slots.filter(
			(s): s is WalletSlot =>
				s.kind === 'wallet' &&
				s.message.domain === deps.domain &&
				s.message.chainId === deps.signer.chainId &&
				s.message.address.toLowerCase() === deps.signer.address.toLowerCase()
		);
		if (own.length === 0)
			throw new NoSlotForMethodError(
				'this wallet signature',
				`It was set up for another site name than ${deps.domain}, or another chain. Use your recovery code or passphrase.`
			);
		// Each slot keeps the exact message it was made with; usually there is one.
		const signatures = new Map<string, Uint8Array>();
		try {
			return await tryEach(header, own, async (salt, slot) => {
				const message = (slot as WalletSlot).message;
				const key = unlockMessage(message);
				let signature = signatures.get(key);
				if (!signature) signatures.set(key, (signature = await signUnlockMessage(deps, message)));
				return kekFromSignature(signature, salt);
			});
		} finally {
			for (const signature of signatures.values()) signature.fill(0);
		}
	}
	if (slots.length === 0)
		throw new NoSlotForMethodError(
			method.kind === 'passphrase' ? 'a passphrase' : 'a recovery code',
			'Unlock with your wallet instead.'
		);
	return method.kind === 'passphrase'
		? tryEach(header, slots, (salt, slot) => kekFromPassphrase(method.passphrase, salt, slot.kind === 'passphrase' ? slot.argon2 : undefined))
		: tryEach(header, slots, (salt) => kekFromRecoveryCode(method.code, salt));
}

async function tryEach(
	header: VaultHeader,
	slots: VaultHeader['slots'],
	kekFor: (salt: Uint8Array, slot: VaultHeader['slots'][number]) => Promise<Uint8Array>
): Promise<Uint8Array> {
	for (const slot of slots) {
		try {
			return await openVaultHeader(header, slot, await kekFor(slot.salt, slot));
		} catch (err) {
			if (!(err instanceof WrongKeyError)) throw err;
		}
	}
	throw new WrongKeyError();
}
