import { bytesToHex } from 'viem/utils';
import { hexToBytes } from '../crypto/encoding';
import { normalizeSignature, unlockMessage, type UnlockMessageParameters } from '../crypto/unlock';
import { WalletSignatureError } from './walletErrors';
import { SignatureInvalidError } from './errors';
import type { VaultDeps } from './deps';

/** The unlock message fields for the connected wallet on this site, with a vault's fixed nonce and Issued At. */
export function unlockMessageFields(
	deps: Pick<VaultDeps, 'signer' | 'domain' | 'uri'>,
	fixed: { nonce: string; issuedAt: string }
): UnlockMessageParameters {
	return {
		domain: deps.domain,
		uri: deps.uri ?? `https://${deps.domain}/`,
		address: deps.signer.address,
		chainId: deps.signer.chainId,
		nonce: fixed.nonce,
		issuedAt: fixed.issuedAt
	};
}

/**
 * Asks the wallet to sign the unlock message built from `fields` and checks
 * the signature. Returns it normalised (low s, v = 27/28); the caller wipes it.
 */
export async function signUnlockMessage(
	deps: Pick<VaultDeps, 'signer' | 'verifySignature'>,
	fields: UnlockMessageParameters
): Promise<Uint8Array> {
	const { signer } = deps;
	const message = unlockMessage(fields);
	let signature;
	try {
		signature = await signer.signMessage(message);
	} catch (cause) {
		throw WalletSignatureError.from(cause);
	}
	let normalised: Uint8Array;
	try {
		normalised = normalizeSignature(hexToBytes(signature));
	} catch {
		throw new SignatureInvalidError();
	}
	if (!(await deps.verifySignature({ address: signer.address, message, signature: bytesToHex(normalised) }))) {
		normalised.fill(0);
		throw new SignatureInvalidError();
	}
	return normalised;
}
