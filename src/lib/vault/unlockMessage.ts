import { hexToBytes } from '../crypto/encoding';
import { unlockMessage } from '../crypto/unlock';
import { WalletSignatureError } from './walletErrors';
import { SignatureInvalidError } from './errors';
import type { VaultDeps } from './deps';

/** Asks the wallet to sign the domain-bound unlock message and checks the signature. */
export async function signUnlockMessage(deps: Pick<VaultDeps, 'signer' | 'domain' | 'verifySignature'>): Promise<Uint8Array> {
	const { signer, domain } = deps;
	const message = unlockMessage({ domain, address: signer.address, chainId: signer.chainId });
	let signature;
	try {
		signature = await signer.signMessage(message);
	} catch (cause) {
		throw WalletSignatureError.from(cause);
	}
	if (!(await deps.verifySignature({ address: signer.address, message, signature })))
		throw new SignatureInvalidError();
	return hexToBytes(signature);
}
