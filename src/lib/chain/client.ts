import type { Account, Address, Chain, Client, Hex, Transport, WriteContractParameters } from 'viem';
import { getChainId, getCode, waitForTransactionReceipt, writeContract } from 'viem/actions';
import type { ContractAddresses } from './config';
import type { LogScanOptions } from './scanLogs';
import {
	ContractsMissingError,
	InvalidChainInputError,
	TransactionFailedError,
	WrongChainError,
	toChainError
} from './errors';

/**
 * What every action takes as its first argument: a public client for reads and
 * receipts, and (for writes) a wallet client with the sending account.
 */
export interface ChainClient {
	publicClient: Client<Transport, Chain | undefined>;
	/** Omit for a read-only chain (a share-link viewer has no wallet); writes then throw InvalidChainInputError. */
	walletClient?: Client<Transport, Chain | undefined, Account | undefined>;
	/** Sending account: a local account, or the address of a wallet (EIP-1193) account. */
	account?: Account | Address;
	addresses: ContractAddresses;
	/** Chain the contracts live on (writes refuse a wallet on another: WrongChainError); defaults to publicClient's chain, else the RPC's chain id. */
	chainId?: number;
	/** How event readers scan (block range per eth_getLogs, progress); see scanLogs.ts. */
	logScan?: LogScanOptions;
}

/** Contract addresses the sharing workflow needs: the vault's plus the Grants contract. */
export type GrantsAddresses = ContractAddresses & { grants: Hex };

/** A ChainClient that also knows where the Grants contract lives. */
export type GrantsChainClient = ChainClient & { addresses: GrantsAddresses };

/** Contract addresses the provider workflow needs: the vault's plus the Proposals contract. */
export type ProposalsAddresses = ContractAddresses & { proposals: Hex };

/** A ChainClient that also knows where the Proposals contract lives. */
export type ProposalsChainClient = ChainClient & { addresses: ProposalsAddresses };

/** The simulated call an action wants to send (viem's `simulateContract(...).request`). */
type Simulated = { request: unknown };

// Contracts found at an address stay there (nothing here self-destructs), so
// one successful code check per client and address is enough.
const verifiedCode = new WeakMap<ChainClient, Set<string>>();

export function rpcUrlOf(client: Pick<ChainClient, 'publicClient'>): string | undefined {
	const url = (client.publicClient.transport as { url?: unknown }).url;
	return typeof url === 'string' ? url : undefined;
}

/** Runs a read, mapping failures to chain errors. */
export async function read<T>(client: ChainClient, action: string, fn: () => Promise<T>): Promise<T> {
	try {
		return await fn();
	} catch (err) {
		throw toChainError(err, { action, rpcUrl: rpcUrlOf(client) });
	}
}

async function expectedChainId(client: ChainClient): Promise<number> {
	return client.chainId ?? client.publicClient.chain?.id ?? (await getChainId(client.publicClient));
}

async function assertContract(client: ChainClient, address: Hex): Promise<void> {
	const known = verifiedCode.get(client) ?? new Set<string>();
	if (known.has(address.toLowerCase())) return;
	const code = await getCode(client.publicClient, { address });
	// A call to an address without code "succeeds" and does nothing: refuse it.
	if (!code || code === '0x') throw new ContractsMissingError(address);
	known.add(address.toLowerCase());
	verifiedCode.set(client, known);
}

/**
 * Sends one contract write and waits for it to be mined.
 * `simulate` runs the typed call first so a revert is decoded (custom error
 * name and arguments) before the wallet is ever asked to sign.
 * Resolves with the transaction hash once the receipt's status is success.
 */
export async function write(
	client: ChainClient,
	action: string,
	address: Hex,
	simulate: (account: Account | Address) => Promise<Simulated>
): Promise<Hex> {
	const { walletClient, account } = client;
	if (!walletClient || !account) throw new InvalidChainInputError('no wallet account to send from');
	try {
		const [expected, actual] = await Promise.all([expectedChainId(client), getChainId(walletClient)]);
		if (expected !== actual) throw new WrongChainError(actual, { chainId: expected });
		await assertContract(client, address);
		const { request } = await simulate(account);
		const hash = await writeContract(walletClient, {
			...(request as WriteContractParameters),
			account,
			chain: walletClient.chain ?? null
		} as WriteContractParameters);
		const receipt = await waitForTransactionReceipt(client.publicClient, { hash });
		if (receipt.status !== 'success') throw await revertedError(client, action, hash, simulate, account);
		return hash;
	} catch (err) {
		throw toChainError(err, { action, rpcUrl: rpcUrlOf(client) });
	}
}

// A mined revert carries no reason; replaying the call on the current state
// usually names the custom error (best effort: it only fills in details).
async function revertedError(
	client: ChainClient,
	action: string,
	hash: Hex,
	simulate: (account: Account | Address) => Promise<Simulated>,
	account: Account | Address
): Promise<TransactionFailedError> {
	try {
		await simulate(account);
	} catch (err) {
		const mapped = toChainError(err, { action, rpcUrl: rpcUrlOf(client) });
		if (mapped instanceof TransactionFailedError)
			return new TransactionFailedError(action, { errorName: mapped.errorName, errorArgs: mapped.errorArgs, hash }, { cause: err });
	}
	return new TransactionFailedError(action, { hash });
}
