/**
 * A real anvil like tests/setup/anvil.ts's `startTestChain`, but keeping every
 * deployed address, Proposals included: `startTestChain`'s `config.contracts`
 * (ChainConfig) does not carry it yet. Once it does, tests can switch back.
 */
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { chainFromConfig } from '../../src/lib/chain/config';
import type { ProposalsAddresses } from '../../src/lib/chain/providerChain';
import { ANVIL_PRIVATE_KEYS, deployContracts, startAnvil, type TestChain } from '../../tests/setup/anvil';

export interface ProposalsTestChain extends TestChain {
	addresses: ProposalsAddresses;
}

/** Starts anvil on a free port and deploys all Carevault contracts (account 0). */
export async function startProposalsTestChain(): Promise<ProposalsTestChain> {
	const anvil = await startAnvil();
	try {
		const deployed = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: ANVIL_PRIVATE_KEYS[0] });
		const addresses: ProposalsAddresses = {
			keyRegistry: deployed.keyRegistry,
			vaultRegistry: deployed.vaultRegistry,
			proposals: deployed.proposals
		};
		const config = { chainId: deployed.chainId, rpcUrl: anvil.rpcUrl, contracts: { keyRegistry: deployed.keyRegistry, vaultRegistry: deployed.vaultRegistry } };
		const chain = chainFromConfig(config);
		const transport = http(anvil.rpcUrl, { retryCount: 0 });
		const account = (index: number) => privateKeyToAccount(ANVIL_PRIVATE_KEYS[index] as Hex);
		return {
			rpcUrl: anvil.rpcUrl,
			chain,
			config,
			addresses,
			deployBlock: deployed.deployBlock,
			publicClient: createPublicClient({ chain, transport }),
			account,
			walletClient: (index) => createWalletClient({ chain, transport, account: account(index) }),
			stop: () => anvil.stop()
		};
	} catch (err) {
		await anvil.stop();
		throw err;
	}
}
