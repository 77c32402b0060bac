import { getBlock, getBlockNumber, getContractEvents } from 'viem/actions';
import { grantsAbi, proposalsAbi, vaultRegistryAbi } from './contracts.generated';
import { read, type ChainClient, type GrantsChainClient, type ProposalsChainClient } from './client';
import { firstBlockAtOrAfter, readEvents, type TimedLog } from './events';
import type { Address, AuditEntry, AuditKind, AuditSource } from '../vault/audit/entry';

/** The clients of the three contracts the app already has, and the first block worth reading. */
export type AuditSourceClients = ChainClient & GrantsChainClient & ProposalsChainClient & { fromBlock?: bigint };

type Base = { blockNumber: bigint; logIndex: number; transactionHash: `0x${string}`; blockTimestamp: number };

const plural = (n: number | bigint, one: string, many = `${one}s`) => `${n} ${n === 1 || n === 1n ? one : many}`;

function entry(kind: AuditKind, log: Base, actor: Address, summary: string, more: Partial<AuditEntry> = {}): AuditEntry {
	return {
		kind,
		actor,
		summary,
		blockNumber: log.blockNumber,
		timestamp: log.blockTimestamp,
		transactionHash: log.transactionHash,
		logIndex: log.logIndex,
		...more
	};
}

const inRange = (range: { fromBlock: bigint; toBlock: bigint }) => (e: AuditEntry) => e.blockNumber >= range.fromBlock && e.blockNumber <= range.toBlock;

/**
 * Records added: each `BatchCommitted` of the patient's vault (a batch of
 * records anchored, by the patient's own device or by accepting a proposal).
 */
export function vaultAuditSource(client: ChainClient, fromBlock = 0n): AuditSource {
	const address = client.addresses.vaultRegistry;
	return {
		name: 'vault',
		read: (patient, range, signal) =>
			read(client, 'read the audit trail (records)', async () => {
				const { logs } = await readEvents(client, ['audit-batches', address, patient], {
					fromBlock,
					toBlock: range.toBlock,
					timestamps: true,
					signal,
					getLogs: (r) => getContractEvents(client.publicClient, { address, abi: vaultRegistryAbi, eventName: 'BatchCommitted', args: { owner: patient }, ...r, strict: true })
				});
				return logs
					.map((log) =>
						entry('records-added', log as TimedLog<typeof log>, log.args.owner, `Records added: batch ${log.args.batch}, ${plural(log.args.count, 'file')} anchored`, {
							subject: { type: 'batch', id: log.args.batch }
						})
					)
					.filter(inRange(range));
			})
	};
}

/** Proposals addressed to the patient, and the patient's decisions on them. */
export function proposalsAuditSource(client: ProposalsChainClient, fromBlock = 0n): AuditSource {
	const address = client.addresses.proposals;
	return {
		name: 'proposals',
		read: (patient, range, signal) =>
			read(client, 'read the audit trail (proposals)', async () => {
				const query = { address, abi: proposalsAbi, args: { patient }, strict: true } as const;
				const { logs } = await readEvents(client, ['audit-proposals', address, patient], {
					fromBlock,
					toBlock: range.toBlock,
					timestamps: true,
					signal,
					getLogs: async (r) => {
						const all = await Promise.all([
							getContractEvents(client.publicClient, { ...query, ...r, eventName: 'ProposalMade' }),
							getContractEvents(client.publicClient, { ...query, ...r, eventName: 'ProposalAccepted' }),
							getContractEvents(client.publicClient, { ...query, ...r, eventName: 'ProposalRejected' })
						]);
						return all.flat();
					}
				});
				return logs
					.map((log) => {
						const subject = { type: 'proposal', id: log.args.id };
						if (log.eventName === 'ProposalMade')
							return entry('record-proposed', log, log.args.provider, `Proposed a record (proposal #${log.args.id})`, { counterparty: log.args.patient, subject });
						if (log.eventName === 'ProposalAccepted')
							return entry('proposal-accepted', log, log.args.patient, `Accepted proposal #${log.args.id}: the record was added`, { counterparty: log.args.provider, subject });
						return entry('proposal-rejected', log, log.args.patient, `Rejected proposal #${log.args.id}`, { counterparty: log.args.provider, subject });
					})
					.filter(inRange(range));
			})
	};
}

/**
 * Everything on the Grants contract about the patient: grants made (to a
 * provider or a share link: the page tells them apart with the vault's
 * index), their bundles extended with new records, their expiry (no event:
 * derived from the end time, at the first block at or after it), revocations,
 * access requests and answers, and accesses reported by grantees' apps (kept
 * only when the reporter is the grant's grantee).
 */
export function grantsAuditSource(client: GrantsChainClient, fromBlock = 0n): AuditSource {
	const address = client.addresses.grants;
	const { publicClient } = client;
	// Where each expiry fell, once found (a block's time never changes).
	const expiries = new Map<string, { blockNumber: bigint; timestamp: number }>();
	return {
		name: 'grants',
		read: (patient, range, signal) =>
			read(client, 'read the audit trail (grants)', async () => {
				const toBlock = range.toBlock;
				const byPatient = { address, abi: grantsAbi, args: { patient }, strict: true } as const;
				const { logs } = await readEvents(client, ['audit-grants', address, patient], {
					fromBlock,
					toBlock,
					timestamps: true,
					signal,
					getLogs: async (r) => {
						const all = await Promise.all([
							getContractEvents(publicClient, { ...byPatient, ...r, eventName: 'Granted' }),
							getContractEvents(publicClient, { ...byPatient, ...r, eventName: 'Revoked' }),
							getContractEvents(publicClient, { ...byPatient, ...r, eventName: 'AccessRequested' }),
							getContractEvents(publicClient, { ...byPatient, ...r, eventName: 'AccessRequestAnswered' }),
							getContractEvents(publicClient, { ...byPatient, ...r, eventName: 'AccessReported' })
						]);
						return all.flat();
					}
				});
				const granted = new Map<bigint, { grantee: Address; expiresAt: bigint; blockNumber: bigint }>();
				const revokedAt = new Map<bigint, bigint>();
				const requesters = new Map<bigint, Address>();
				for (const log of logs) {
					if (log.eventName === 'Granted') granted.set(log.args.id, { grantee: log.args.grantee, expiresAt: log.args.expiresAt, blockNumber: log.blockNumber });
					if (log.eventName === 'Revoked') revokedAt.set(log.args.id, log.blockNumber);
					if (log.eventName === 'AccessRequested') requesters.set(log.args.id, log.args.requester);
				}
				// Pointer updates name only the grant id: read by the ids found (a new grant means one scan of the older blocks for it).
				const ids = [...granted.keys()];
				const updates =
					ids.length === 0
						? []
						: (
								await readEvents(client, ['audit-grant-pointers', address, ids], {
									fromBlock,
									toBlock,
									timestamps: true,
									signal,
									getLogs: (r) => getContractEvents(publicClient, { address, abi: grantsAbi, eventName: 'GrantPointerUpdated', args: { id: ids }, ...r, strict: true })
								})
							).logs;

				const entries: AuditEntry[] = [];
				for (const log of logs) {
					const subject = { type: 'grant', id: log.args.id };
					switch (log.eventName) {
						case 'Granted': {
							const until = log.args.expiresAt === 0n ? 'no end date' : `until ${new Date(Number(log.args.expiresAt) * 1000).toISOString().slice(0, 10)}`;
							entries.push(entry('grant-made', log, log.args.patient, `Granted access (grant #${log.args.id}, ${until})`, { counterparty: log.args.grantee, subject }));
							break;
						}
						case 'Revoked':
							entries.push(entry('grant-revoked', log, log.args.patient, `Revoked grant #${log.args.id}`, { counterparty: granted.get(log.args.id)?.grantee, subject }));
							break;
						case 'AccessRequested':
							entries.push(
								entry('access-requested', log, log.args.requester, `Asked for access (request #${log.args.id})`, {
									counterparty: log.args.patient,
									subject: { type: 'request', id: log.args.id }
								})
							);
							break;
						case 'AccessRequestAnswered':
							entries.push(
								entry(
									'access-answered',
									log,
									log.args.patient,
									log.args.approved ? `Approved request #${log.args.id} with grant #${log.args.grantId}` : `Declined request #${log.args.id}`,
									{ counterparty: requesters.get(log.args.id), subject: { type: 'request', id: log.args.id } }
								)
							);
							break;
						case 'AccessReported': {
							// The contract checks a 48-bit tag of the grantee; here the full address of the Granted event.
							if (granted.get(log.args.id)?.grantee.toLowerCase() !== log.args.grantee.toLowerCase()) break;
							entries.push(
								entry('access-reported', log, log.args.grantee, `Opened ${plural(log.args.count, 'shared record')} (grant #${log.args.id}; reported by their app)`, {
									counterparty: log.args.patient,
									subject
								})
							);
							break;
						}
					}
				}
				for (const log of updates) {
					const g = granted.get(log.args.id);
					if (g) entries.push(entry('grant-extended', log, patient, `Grant #${log.args.id} now covers more records`, { counterparty: g.grantee, subject: { type: 'grant', id: log.args.id } }));
				}
				entries.push(...(await expiredEntries(patient, granted, revokedAt, range)));
				return entries.filter(inRange(range));
			})
	};

	async function expiredEntries(
		patient: Address,
		granted: Map<bigint, { grantee: Address; expiresAt: bigint; blockNumber: bigint }>,
		revokedAt: Map<bigint, bigint>,
		range: { fromBlock: bigint; toBlock: bigint }
	): Promise<AuditEntry[]> {
		const out: AuditEntry[] = [];
		let latestTime: number | undefined;
		for (const [id, g] of granted) {
			if (g.expiresAt === 0n) continue;
			const key = `${id}`;
			let at = expiries.get(key) ?? null;
			if (!at) {
				// One block read for all the grants still running at the range's end.
				latestTime ??= Number((await getBlock(publicClient, { blockNumber: range.toBlock })).timestamp);
				if (Number(g.expiresAt) > latestTime) continue;
				at = await firstBlockAtOrAfter(publicClient, Number(g.expiresAt), { fromBlock: g.blockNumber, toBlock: range.toBlock });
				// "Not yet" is only true up to this block: looked for again next time.
				if (at) expiries.set(key, at);
			}
			if (!at) continue;
			const revoked = revokedAt.get(id);
			// Revoked before it could expire: no expiry to show.
			if (revoked !== undefined && revoked < at.blockNumber) continue;
			out.push({
				kind: 'grant-expired',
				actor: patient,
				counterparty: g.grantee,
				summary: `Grant #${id} expired`,
				blockNumber: at.blockNumber,
				timestamp: Number(g.expiresAt),
				logIndex: -1,
				subject: { type: 'grant', id }
			});
		}
		return out;
	}
}

/** The audit sources of the app's three contracts: the Audit page reads these, plus any a feature adds. */
export function coreAuditSources(clients: AuditSourceClients): AuditSource[] {
	const fromBlock = clients.fromBlock ?? 0n;
	return [vaultAuditSource(clients, fromBlock), proposalsAuditSource(clients, fromBlock), grantsAuditSource(clients, fromBlock)];
}

/** The latest block, read once so every source of one read ends at the same block. */
export function latestBlock(client: ChainClient): Promise<bigint> {
	return read(client, 'read the latest block', () => getBlockNumber(client.publicClient, { cacheTime: 0 }));
}
