/**
 * A real anvil chain for tests: started on a free port, contracts deployed by
 * account 0, viem clients per dev account. Call `stop()` in afterAll.
 */
import {
	createPublicClient,
	createWalletClient,
	custom,
	http,
	numberToHex,
	type Account,
	type Chain,
	type Hex,
	type HttpTransport,
	type PublicClient,
	type Transport,
	type WalletClient
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { ANVIL_ADDRESSES, ANVIL_CHAIN_ID, ANVIL_PRIVATE_KEYS, startAnvil } from '../../scripts/anvil.mjs';
import { contractsOf, deployContracts } from '../../scripts/deploy.mjs';
import { chainFromConfig, type ChainConfig } from '../../src/lib/chain/config';

export { ANVIL_ADDRESSES, ANVIL_CHAIN_ID, ANVIL_PRIVATE_KEYS, startAnvil, deployContracts };

export interface TestChain {
	rpcUrl: string;
	chain: Chain;
	config: ChainConfig;
	deployBlock: number;
	/** EAS schema UID of provider identity (registered by deployContracts). */
	providerSchemaUid: Hex;
	publicClient: PublicClient<HttpTransport, Chain>;
	/** Dev account `index` (0 deployed the contracts). */
	account(index: number): PrivateKeyAccount;
	/** A wallet client sending from dev account `index`. */
	walletClient(index: number): WalletClient<Transport, Chain, Account>;
	stop(): Promise<void>;
}

/**
 * Sends like a wallet does: the gas limit is the node's estimate plus half,
 * as MetaMask adds. An exact estimate can fall short when the transaction is
 * mined one second later than estimated (writes that store block.timestamp
 * cost more when the stored value changes), which made tests flaky under load.
 */
function withGasBuffer(rpcUrl: string): Transport {
	const base = http(rpcUrl, { retryCount: 0 })({ retryCount: 0 });
	return custom({
		async request({ method, params }) {
			const result = await base.request({ method, params } as never);
			return method === 'eth_estimateGas' ? numberToHex((BigInt(result as Hex) * 3n) / 2n) : result;
		}
	});
}

/** Starts anvil on a free port and deploys the Carevault contracts. */
export async function startTestChain(options: { blockTime?: number } = {}): Promise<TestChain> {
	const anvil = await startAnvil({ blockTime: options.blockTime });
	try {
		const deployed = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
		const config: ChainConfig = {
			chainId: deployed.chainId,
			rpcUrl: anvil.rpcUrl,
			contracts: contractsOf(deployed)
		};
		const chain = chainFromConfig(config);
		const transport = http(anvil.rpcUrl, { retryCount: 0 });
		const account = (index: number) => privateKeyToAccount(ANVIL_PRIVATE_KEYS[index] as Hex);
		return {
			rpcUrl: anvil.rpcUrl,
			chain,
			config,
			deployBlock: deployed.deployBlock,
			providerSchemaUid: deployed.providerSchemaUid,
			publicClient: createPublicClient({ chain, transport }),
			account,
			walletClient: (index) => createWalletClient({ chain, transport: withGasBuffer(anvil.rpcUrl), account: account(index) }),
			stop: () => anvil.stop()
		};
	} catch (err) {
		await anvil.stop();
		throw err;
	}
}
