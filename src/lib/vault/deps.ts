import type { BlobStore, Hex, LocalStore, MessageSigner, VaultChain } from './ports';
import type { VaultKeys } from '../crypto/keys';
import type { VaultIndex } from '../records/model';
import { encryptStream, type EncryptStreamOptions } from '../crypto/recordCipher';
import type { GrantChain } from './grantPorts';
import type { ProviderChain } from './providerPorts';
import type { AttestationReader } from './providers/ports';
import type { BackupBlocks } from './backup/ports';
import type { RemoteCopyPort } from './remote/ports';
import type { ResearchChain } from './research/ports';
import type { EmergencyChain } from './emergency/ports';
import type { EventCache } from './audit/ports';
import type { AuditSource } from './audit/entry';

/** A file to add, as the browser's File gives it (any source of byte chunks works). */
export interface FileInput {
	name: string;
	type: string;
	size: number;
	stream(): AsyncIterable<Uint8Array>;
	/** The browser Blob behind it, when there is one: it can go to a worker without being read here. */
	blob?: Blob;
}

/** What every vault use case is given. Adapters are passed in; nothing is global. */
export interface VaultDeps {
	signer: MessageSigner;
	chain: VaultChain;
	blobs: BlobStore;
	local: LocalStore;
	/**
	 * The site's stable name (config.appDomain), bound into the unlock message so
	 * another site cannot phish it. Never the page's host: a gateway or a new
	 * release changes the host, and a vault bound to it could not be unlocked.
	 */
	domain: string;
	/** Where the site is meant to be opened (config.appUri), the unlock message's URI. Defaults to https://<domain>/. */
	uri?: string;
	/** Checks that `signature` of `message` was made by `address` (viem's verifyMessage). */
	verifySignature(params: { address: Hex; message: string; signature: Hex }): Promise<boolean>;
	/**
	 * Turns a file into its record ciphertext exactly as recordCipher's
	 * encryptStream does, possibly on another thread (lib/workers). Defaults
	 * to encryptStream on this thread.
	 */
	encrypt?: Encryptor;
}

/**
 * Every port the app's use cases reach, built once per wallet account and
 * chain by the app object (state/app.svelte.ts). A use case takes the
 * `Pick<Ports, ...>` it needs, so a test builds only that.
 */
export interface Ports extends VaultDeps {
	grants: GrantChain;
	providers: ProviderChain;
	/** Absent when the site names no attestation service (config.contracts.eas). */
	attestations?: AttestationReader;
	/** CAR backups over this device's blockstore (absent where there is none). */
	backup?: BackupBlocks;
	/** Pinning Service API clients for the patient's remote copies (absent where no IPFS node runs). */
	remote?: RemoteCopyPort;
	/** Research studies and consents; absent when the site names no ResearchConsent contract. */
	research?: ResearchChain;
	/** Emergency access (break-glass); absent when the site names no EmergencyAccess contract. */
	emergency?: EmergencyChain;
	/** The chain-event cache every reader of this account uses: sealed under the vault once `open(vault)` is called (vault/audit/eventCache). */
	eventCache?: EventCache & { open(vault: Pick<OpenVault, 'address' | 'keys'>): void };
	/**
	 * The Audit page's event sources: one per contract or feature (built in state/ports.ts
	 * buildPorts; a feature with a contract of its own adds its AuditSource to that list),
	 * and the latest block, read once so every source ends at the same one.
	 */
	audit?: { sources: AuditSource[]; latestBlock(): Promise<bigint>; chainId: number };
}

/** What a share link's viewer reaches: no wallet (the doctor with a link may have none), read-only chain. */
export type ViewerPorts = { blobs: Pick<BlobStore, 'cat'>; grants: Pick<GrantChain, 'readGrant'> };

export type Encryptor = (file: FileInput, options: EncryptStreamOptions & { signal?: AbortSignal }) => AsyncIterable<Uint8Array>;

/** The default Encryptor: encryptStream on this thread. */
export const encryptInThread: Encryptor = (file, options) => encryptStream(file.stream(), options);

/** An unlocked vault: keys in memory only, forgotten on lock. */
export interface OpenVault {
	address: Hex;
	keys: VaultKeys;
	index: VaultIndex;
	/** CID of the wrapped root secret ("vault header"). */
	headerCid: string;
}

export const headerKey = (address: Hex, cid: string) => `vault-header:${address.toLowerCase()}:${cid}`;
export const indexKey = (address: Hex) => `vault-index:${address.toLowerCase()}`;
