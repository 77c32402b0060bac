import { isAddressEqual, parseEventLogs, type Hex } from 'viem';
import { getTransactionReceipt } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { read, type GrantsChainClient } from '../client';
import { TransactionFailedError } from '../errors';

/**
 * The id of the grant a mined transaction made, from its receipt's Granted
 * event (grant and approveRequest both emit exactly one).
 */
export async function grantedId(client: GrantsChainClient, action: string, hash: Hex): Promise<bigint> {
	const address = client.addresses.grants;
	const receipt = await read(client, 'read your grant', () => getTransactionReceipt(client.publicClient, { hash }));
	const granted = parseEventLogs({ abi: grantsAbi, logs: receipt.logs, eventName: 'Granted' }).find((log) => isAddressEqual(log.address, address));
	// A successful grant always emits Granted; missing means the address is not our contract.
	if (!granted) throw new TransactionFailedError(action, { hash });
	return granted.args.id;
}
