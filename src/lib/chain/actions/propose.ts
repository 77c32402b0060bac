import { bytesToHex, isAddressEqual, parseEventLogs, type Address, type Hex } from 'viem';
import { getTransactionReceipt, simulateContract } from 'viem/actions';
import { proposalsAbi } from '../contracts.generated';
import { read, write } from '../client';
import { InvalidChainInputError, TransactionFailedError, type ChainError } from '../errors';
import type { ProposalsChainClient } from '../client';

export type ProposeParameters = {
	/** The patient the record is for; must have published keys. */
	patient: Address;
	/** Opaque ciphertext sealed to the patient's inbox key, 1 to 8192 bytes (the contract enforces it). */
	sealedPayload: Uint8Array;
};
export type ProposeReturnType = { hash: Hex; id: bigint };
export type ProposeErrorType = ChainError;

/**
 * Sends a sealed proposal from the sending account (a registered provider) to
 * a patient. Resolves once mined, with the id read from the ProposalMade event
 * of the receipt (not from the simulation: another proposal may land first).
 *
 * @example
 * const { hash, id } = await propose(client, { patient: '0x3C44...', sealedPayload })
 */
export async function propose(client: ProposalsChainClient, { patient, sealedPayload }: ProposeParameters): Promise<ProposeReturnType> {
	if (!(sealedPayload instanceof Uint8Array)) throw new InvalidChainInputError(`expected the sealed payload as bytes, got ${typeof sealedPayload}`);
	const address = client.addresses.proposals;
	const action = 'send your proposal';
	const hash = await write(client, action, address, (account) =>
		simulateContract(client.publicClient, {
			address,
			abi: proposalsAbi,
			functionName: 'propose',
			args: [patient, bytesToHex(sealedPayload)],
			account
		})
	);
	const receipt = await read(client, 'read your proposal', () => getTransactionReceipt(client.publicClient, { hash }));
	const made = parseEventLogs({ abi: proposalsAbi, logs: receipt.logs, eventName: 'ProposalMade' }).find((log) =>
		isAddressEqual(log.address, address)
	);
	// A successful propose always emits ProposalMade; missing means the address is not our contract.
	if (!made) throw new TransactionFailedError(action, { hash });
	return { hash, id: made.args.id };
}
