import type { Account, Address, Chain, Client, Transport } from 'viem';
import type { PublicKeys, VaultChain } from '../vault/ports';
import type { ChainClient } from './client';
import type { ContractAddresses } from './config';
import { commitBatch } from './actions/commitBatch';
import { publishKeys } from './actions/publishKeys';
import { readIndexPointer } from './actions/readIndexPointer';
import { readBatchAnchor } from './actions/readBatchAnchor';
import { readKeys } from './actions/readKeys';
import { readVaultPointer } from './actions/readVaultPointer';
import { setVaultPointer } from './actions/setVaultPointer';

export interface CreateVaultChainParameters {
	publicClient: Client<Transport, Chain | undefined>;
	/** Omit for a read-only chain (writes then throw InvalidChainInputError). */
	walletClient?: Client<Transport, Chain | undefined, Account | undefined>;
	account?: Account | Address;
	addresses: ContractAddresses;
	/** Chain the contracts live on; writes refuse a wallet on another chain (WrongChainError). */
	chainId?: number;
}

/**
 * The VaultChain port over viem. Writes resolve with the transaction hash once
 * mined; every failure is a CarevaultError from ./errors.
 *
 * @example
 * const chain = createVaultChain({ publicClient, walletClient, account, addresses: config.contracts })
 * await chain.setVaultPointer(cid, null)
 */
export function createVaultChain(parameters: CreateVaultChainParameters): VaultChain {
	const client: ChainClient = { ...parameters };
	return {
		readVaultPointer: (owner) => readVaultPointer(client, { owner }),
		setVaultPointer: (cid, expected) => setVaultPointer(client, { cid, expected }),
		readIndexPointer: (owner) => readIndexPointer(client, { owner }),
		commitBatch: (params) => commitBatch(client, params),
		readBatchAnchor: async (owner, batch) => {
			const found = await readBatchAnchor(client, { owner, batch });
			return found && { root: found.root, count: found.count, block: found.block };
		},
		publishKeys: (keys) => publishKeys(client, keys),
		readKeys: async (owner): Promise<PublicKeys | null> => {
			const found = await readKeys(client, { owner });
			return found && { inbox: found.inbox, signing: found.signing, umbral: found.umbral };
		}
	};
}
