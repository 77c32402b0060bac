import { decodeAbiParameters, getAddress, type Address, type Hex } from 'viem';
import { getBlockNumber, getLogs, readContract } from 'viem/actions';
import { read, type ChainClient } from '../client';
import { easAbi, PROVIDER_SCHEMA_TYPES } from '../eas';
import { InvalidChainInputError, type ChainError } from '../errors';
import type { ProviderAttestation } from '../../vault/providers/ports';

export type ListProviderAttestationsParameters = {
	/** The provider whose attestations are wanted; absent = every recipient (the directory of verified providers). */
	provider?: Address;
	/** Only attestations made by these accounts are looked up; none = nothing to look up. */
	attesters: readonly Address[];
	/** EAS schema UID of provider identity. */
	schema: Hex;
	/** First block to scan (EAS's deploy block is enough). */
	fromBlock: bigint;
	/** Largest block range per eth_getLogs call (public RPCs cap it); default: one call. */
	blockRange?: number;
};
/** Every matching attestation whose data decodes, oldest first; revoked and expired ones included (the caller judges). */
export type ListProviderAttestationsReturnType = ProviderAttestation[];
export type ListProviderAttestationsErrorType = ChainError;

/**
 * Finds the provider-identity attestations `attesters` made to `provider`
 * (or to anyone, when no provider is given):
 * the Attested events filtered by recipient, attester and schema, then each
 * attestation's current state from `getAttestation` (the event alone would
 * not show a later revocation). Attestations whose data is not the provider
 * schema's are left out.
 *
 * @example
 * const found = await listProviderAttestations(client, { provider: '0x7099...', attesters: ['0xa0Ee...'], schema: config.providerSchemaUid, fromBlock: 0n })
 * // [{ uid: '0x…', attester: '0xa0Ee…', name: 'City Hospital Lab', role: 'lab', licenceId: 'NPI 123', revocationTime: 0, … }]
 */
export async function listProviderAttestations(
	client: ChainClient,
	{ provider, attesters, schema, fromBlock, blockRange }: ListProviderAttestationsParameters
): Promise<ListProviderAttestationsReturnType> {
	const eas = client.addresses.eas;
	if (!eas) throw new InvalidChainInputError('this site names no attestation service (contracts.eas)');
	if (attesters.length === 0) return [];
	return read(client, 'read provider attestations', async () => {
		// No cached block number: an attestation made a moment ago must be found.
		const latest = await getBlockNumber(client.publicClient, { cacheTime: 0 });
		const step = BigInt(Math.max(1, blockRange ?? Number.MAX_SAFE_INTEGER));
		const uids: Hex[] = [];
		for (let from = fromBlock; from <= latest; from += step) {
			const to = from + step - 1n < latest ? from + step - 1n : latest;
			const logs = await getLogs(client.publicClient, {
				address: eas,
				event: easAbi[0],
				args: { ...(provider ? { recipient: provider } : {}), attester: [...attesters], schemaUID: schema },
				fromBlock: from,
				toBlock: to
			});
			for (const log of logs) if (log.args.uid) uids.push(log.args.uid);
		}
		const out: ProviderAttestation[] = [];
		for (const uid of uids) {
			const a = await readContract(client.publicClient, { address: eas, abi: easAbi, functionName: 'getAttestation', args: [uid] });
			let fields: readonly [string, string, string];
			try {
				fields = decodeAbiParameters(PROVIDER_SCHEMA_TYPES, a.data);
			} catch {
				continue;
			}
			out.push({
				uid: a.uid,
				schema: a.schema,
				recipient: getAddress(a.recipient),
				attester: getAddress(a.attester),
				time: Number(a.time),
				expirationTime: Number(a.expirationTime),
				revocationTime: Number(a.revocationTime),
				name: fields[0],
				role: fields[1],
				licenceId: fields[2]
			});
		}
		return out;
	});
}
