import type { Hex } from 'viem';
import { simulateContract } from 'viem/actions';
import { grantsAbi } from '../contracts.generated';
import { write } from '../client';
import type { ChainError } from '../errors';
import type { GrantsChainClient } from '../client';
import { checkId } from './grantInput';
import { InvalidChainInputError } from '../errors';

export type ReportAccessParameters = { id: bigint; count: number };
export type ReportAccessReturnType = Hex;
export type ReportAccessErrorType = ChainError;

/**
 * Records in the patient's audit trail that the sending account (the grantee)
 * opened `count` records of grant `id`: one `AccessReported` event, no record
 * ids. Reverts with GrantsNotGrantee for anyone else, GrantsRevoked or
 * GrantsExpired once the grant is over, GrantsZeroCount for 0.
 *
 * @example
 * const hash = await reportAccess(client, { id: 4n, count: 12 })
 */
export async function reportAccess(client: GrantsChainClient, { id, count }: ReportAccessParameters): Promise<ReportAccessReturnType> {
	checkId('a grant', id);
	if (!Number.isSafeInteger(count) || count < 1 || count > 0xffff_ffff)
		throw new InvalidChainInputError(`an access report counts 1 to 4294967295 records, got ${count}`);
	const address = client.addresses.grants;
	return write(client, 'report this access', address, (account) =>
		simulateContract(client.publicClient, { address, abi: grantsAbi, functionName: 'reportAccess', args: [id, count], account })
	);
}
