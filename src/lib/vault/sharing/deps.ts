import type { Ports } from '../deps';

/** What the sharing use cases are given: the vault's adapters plus the Grants contract. */
export type SharingDeps = Pick<Ports, 'signer' | 'chain' | 'blobs' | 'local' | 'grants'>;
