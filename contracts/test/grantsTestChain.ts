/**
 * The test chain of tests/setup/anvil.ts with every address typed as present,
 * Grants included, plus anvil's clock: grants expire by block time.
 */
import { createTestClient, http, type Hex } from 'viem';
import type { GrantsAddresses } from '../../src/lib/chain/grantChain';
import type { ProposalsAddresses } from '../../src/lib/chain/providerChain';
import { startTestChain, type TestChain } from '../../tests/setup/anvil';

export interface GrantsTestChain extends TestChain {
	addresses: GrantsAddresses & ProposalsAddresses;
	/** Moves the chain's clock forward and mines a block at the new time. */
	advanceTime(seconds: number): Promise<void>;
	/** Timestamp of the latest block. */
	now(): Promise<bigint>;
}

export async function startGrantsTestChain(): Promise<GrantsTestChain> {
	const t = await startTestChain();
	const { keyRegistry, vaultRegistry, proposals, grants } = t.config.contracts;
	if (!proposals || !grants) {
		await t.stop();
		throw new Error('deployContracts returned no Proposals or Grants address');
	}
	const addresses: GrantsAddresses & ProposalsAddresses = { keyRegistry, vaultRegistry, proposals: proposals as Hex, grants: grants as Hex };
	const testClient = createTestClient({ chain: t.chain, mode: 'anvil', transport: http(t.rpcUrl, { retryCount: 0 }) });
	return {
		...t,
		addresses,
		async advanceTime(seconds) {
			await testClient.increaseTime({ seconds });
			await testClient.mine({ blocks: 1 });
		},
		async now() {
			return (await t.publicClient.getBlock({ blockTag: 'latest' })).timestamp;
		}
	};
}
