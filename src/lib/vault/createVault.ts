import { kekFromPassphrase, kekFromRecoveryCode, kekFromSignatures, makeRecoveryCode, newUnlockChallenge, PASSPHRASE_ARGON2, type Argon2Params } from '../crypto/unlock';
import { createVaultHeader, encodeVaultHeader, generateRootSecret, type VaultSlotInput } from '../crypto/vaultHeader';
import { deriveVaultKeys, publicKeysOf } from '../crypto/keys';
import { randomBytes } from './random';
import { emptyIndex } from '../records/model';
import { VaultExistsError, VaultPointerChangedError } from './errors';
import { headerKey, type OpenVault, type VaultDeps } from './deps';
import { signUnlockMessage, unlockMessageFields } from './unlockMessage';
import { assertStrongPassphrase } from './passphraseStrength';

export type CreateVaultStep = 'signing' | 'signing-again' | 'storing' | 'publishing' | 'done';

export interface CreateVaultParameters {
	/** Use a passphrase instead of the wallet signature (for wallets that sign non-deterministically). */
	passphrase?: string;
	/** Argon2id limits for the passphrase; defaults to PASSPHRASE_ARGON2 (libsodium MODERATE). Tests pass cheaper ones. */
	argon2?: Argon2Params;
	onStep?(step: CreateVaultStep): void;
}

export interface CreateVaultReturnType {
	vault: OpenVault;
	/** Shown once to the patient; unlocks the vault without the wallet signature. */
	recoveryCode: string;
}

/**
 * Creates a vault for the connected wallet: a random root secret wrapped under
 * the wallet-signature key (asked twice: a wallet that signs differently each
 * time could never unlock again) or a passphrase, plus a recovery code slot.
 * The header goes to IPFS and local storage; the chain gets its pointer and the
 * public keys. Nothing is written anywhere until both signatures are in.
 *
 * @example
 * const { vault, recoveryCode } = await createVault(deps, {})
 */
export async function createVault(deps: VaultDeps, params: CreateVaultParameters = {}): Promise<CreateVaultReturnType> {
	const { signer, chain, blobs, local } = deps;
	const { onStep } = params;
	if (await chain.readVaultPointer(signer.address)) throw new VaultExistsError(signer.address);

	const slots: VaultSlotInput[] = [];
	if (params.passphrase !== undefined) {
		await assertStrongPassphrase(params.passphrase, [signer.address]);
		const salt = randomBytes(16);
		const argon2 = params.argon2 ?? PASSPHRASE_ARGON2;
		slots.push({ kind: 'passphrase', salt, argon2, kek: await kekFromPassphrase(params.passphrase, salt, argon2) });
	} else {
		// The nonce and Issued At are fixed now and kept in the slot: every later unlock signs this same message.
		const message = unlockMessageFields(deps, newUnlockChallenge());
		onStep?.('signing');
		const first = await signUnlockMessage(deps, message);
		let second: Uint8Array | undefined;
		try {
			onStep?.('signing-again');
			second = await signUnlockMessage(deps, message);
			const salt = randomBytes(16);
			slots.push({ kind: 'wallet', message, salt, kek: await kekFromSignatures(first, second, salt) });
		} finally {
			first.fill(0);
			second?.fill(0);
		}
	}
	const recoveryCode = makeRecoveryCode();
	const recoverySalt = randomBytes(16);
	slots.push({ kind: 'recovery', salt: recoverySalt, kek: await kekFromRecoveryCode(recoveryCode, recoverySalt) });

	const rootSecret = await generateRootSecret();
	const header = await createVaultHeader({ rootSecret, owner: signer.address, slots });
	const headerBytes = encodeVaultHeader(header);

	onStep?.('storing');
	const headerCid = await blobs.addBytes(headerBytes);
	await blobs.pin(headerCid);
	await local.put(headerKey(signer.address, headerCid), headerBytes);

	const keys = await deriveVaultKeys(rootSecret);
	rootSecret.fill(0);
	onStep?.('publishing');
	// The pointer goes first and only where there is none (compare-and-swap on
	// "no vault"): a second create from a stale view, however late the RPC,
	// is refused here, before it could publish keys of a root secret no vault uses.
	try {
		await chain.setVaultPointer(headerCid, null);
	} catch (err) {
		if (err instanceof VaultPointerChangedError) throw new VaultExistsError(signer.address, { cause: err });
		throw err;
	}
	await chain.publishKeys(publicKeysOf(keys));
	onStep?.('done');
	return { vault: { address: signer.address, keys, index: emptyIndex(), headerCid }, recoveryCode };
}
