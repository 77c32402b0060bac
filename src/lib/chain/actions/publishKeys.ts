import { bytesToHex, type Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { keyRegistryAbi } from '../contracts.generated';
import { write, type ChainClient } from '../client';
import { InvalidChainInputError, type ChainError } from '../errors';
import type { PublicKeys } from '../../vault/ports';

export type PublishKeysParameters = PublicKeys;
export type PublishKeysReturnType = Hex;
export type PublishKeysErrorType = ChainError;

/**
 * Publishes (or replaces) the sending account's public keys in the KeyRegistry.
 * Resolves with the transaction hash once it is mined successfully.
 *
 * @example
 * const hash = await publishKeys(client, { inbox, signing, umbral })
 */
export async function publishKeys(client: ChainClient, keys: PublishKeysParameters): Promise<PublishKeysReturnType> {
	expectLength('inbox key', keys.inbox, 32);
	expectLength('signing key', keys.signing, 32);
	expectLength('Umbral key', keys.umbral, 33);
	const args = [bytesToHex(keys.inbox), bytesToHex(keys.signing), bytesToHex(keys.umbral)] as const;
	const address = client.addresses.keyRegistry;
	return write(client, 'publish your public keys', address, (account) =>
		simulateContract(client.publicClient, { address, abi: keyRegistryAbi, functionName: 'publishKeys', args, account })
	);
}

function expectLength(what: string, bytes: Uint8Array, length: number) {
	if (!(bytes instanceof Uint8Array) || bytes.length !== length)
		throw new InvalidChainInputError(`expected a ${what} of ${length} bytes, got ${bytes?.length ?? typeof bytes}`);
}
