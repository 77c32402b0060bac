import type { VaultDeps } from '../deps';
import type { GrantChain } from '../grantPorts';

/** What the sharing use cases are given: the vault's adapters plus the Grants contract. */
export type SharingDeps = Pick<VaultDeps, 'signer' | 'chain' | 'blobs' | 'local'> & { grants: GrantChain };
