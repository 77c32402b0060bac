import type { Ports } from '../deps';

/** What the proposal use cases are given: the vault's adapters plus the provider chain. */
export type ProposalDeps = Pick<Ports, 'signer' | 'chain' | 'blobs' | 'local' | 'encrypt' | 'providers'>;
