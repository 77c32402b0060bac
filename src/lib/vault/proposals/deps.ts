import type { VaultDeps } from '../deps';
import type { ProviderChain } from '../providerPorts';

/** What the proposal use cases are given: the vault's adapters plus the provider chain. */
export type ProposalDeps = Pick<VaultDeps, 'signer' | 'chain' | 'blobs' | 'local' | 'encrypt'> & { providers: ProviderChain };
