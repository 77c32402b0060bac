import { bytesToHex, isAddressEqual, parseEventLogs, type Hex } from 'viem';
import { getTransactionReceipt, simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { read, write } from '../client';
import { TransactionFailedError, type ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { ACCESS_REQUEST_MAX_BYTES, checkAddress, checkSealed } from './grantInput';

export type RequestAccessParameters = {
	/** The patient asked; must have published keys. */
	patient: Hex;
	/** Reason and categories sealed to the patient's inbox key, 1 to 2048 bytes; kept only in the event. */
	sealedRequest: Uint8Array;
};
export type RequestAccessReturnType = { hash: Hex; id: bigint };
export type RequestAccessErrorType = ChainError;

/**
 * Asks a patient for access as the sending account (a registered provider;
 * GrantsNotProvider otherwise). Resolves once mined, with the id read from the
 * receipt's AccessRequested event.
 *
 * @example
 * const { id } = await requestAccess(client, { patient: '0x3C44...', sealedRequest })
 */
export async function requestAccess(client: GrantsChainClient, { patient, sealedRequest }: RequestAccessParameters): Promise<RequestAccessReturnType> {
	checkAddress('patient', patient);
	checkSealed('sealed access request', sealedRequest, ACCESS_REQUEST_MAX_BYTES);
	const address = client.addresses.grants;
	const action = 'send your access request';
	const hash = await write(client, action, address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: grantsAbi,
			functionName: 'requestAccess',
			args: [patient, bytesToHex(sealedRequest)],
			account
		})
	);
	const receipt = await read(client, 'read your access request', () => getTransactionReceipt(client.publicClient, { hash }));
	const requested = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'AccessRequested' }).find((log) =>
		isAddressEqual(log.address, address)
	);
	if (!requested) throw new TransactionFailedError(action, { hash });
	return { hash, id: requested.args.id };
}
