import { getContractEvents, getTransaction } from 'viem/actions';
import { getAddress, hexToBytes, type Chain, type Client, type Hex, type Transport } from 'viem';
import { emergencyAccessAbi } from './contracts.generated';
import { readEvents } from './events';
import type { LogScanOptions } from './scanLogs';
import type { AuditEntry, AuditKind, AuditSource, Address } from '../vault/audit/entry';

export interface EmergencyAuditSourceParameters {
	publicClient: Client<Transport, Chain | undefined>;
	/** The EmergencyAccess contract (config.contracts.emergencyAccess). */
	address: Hex;
	/** How to scan (the app's adapters' `logScan`: block range, progress, and the sealed cache, so a second visit reads only new blocks). */
	logScan?: LogScanOptions;
	/** The first block worth scanning (the deploy block). @default 0n */
	fromBlock?: bigint;
	/** Opens a request's sealed reason when it is sealed to the viewer (vault/emergency openReason); absent: no reason shown. */
	openReason?: (sealedReason: Uint8Array) => Promise<string | null>;
}

type Log = { eventName: string; args: Record<string, unknown>; blockNumber: bigint; blockTimestamp: number; transactionHash: Hex; logIndex: number };

const EVENTS = ['GuardiansSet', 'EmergencyRequested', 'EmergencyApproved', 'EmergencyThresholdReached', 'EmergencyCancelled', 'EmergencyFinalized', 'EmergencyShareReleased'] as const;

const duration = (seconds: number) =>
	seconds === 0 ? 'no waiting period' : seconds % 3600 === 0 ? `a ${seconds / 3600}-hour wait` : seconds % 60 === 0 ? `a ${seconds / 60}-minute wait` : `a ${seconds}-second wait`;

/**
 * The patient's emergency-access trail from the EmergencyAccess contract:
 * guardian set-ups, requests, approvals, cancellations, finalizations and
 * share releases, each event indexed by patient so one query per event
 * kind covers a block range. Scope refreshes (ScopeUpdated) are not listed:
 * they change no one's access. The threshold event is folded into the
 * approval that reached it. Every event is read from the deploy block (the
 * chain reader keeps a cursor, so that costs only new blocks) and then cut to
 * the range asked: approvals and releases name the request's provider, which
 * only the request's own, possibly older, event holds.
 *
 * @example
 * const source = emergencyAuditSource({ publicClient, address: config.contracts.emergencyAccess })
 * const entries = await source.read(patient, { fromBlock: 0n, toBlock: 100n })
 */
export function emergencyAuditSource({ publicClient, address, logScan, fromBlock: deployBlock = 0n, openReason }: EmergencyAuditSourceParameters): AuditSource {
	const client = { publicClient, logScan };
	return {
		name: 'emergency-access',
		async read(patient, { fromBlock, toBlock }, signal) {
			if (toBlock < fromBlock) return [];
			const lists = await Promise.all(
				EVENTS.map(
					async (eventName) =>
						(
							await readEvents(client, ['audit-emergency', address, eventName, patient], {
								fromBlock: deployBlock,
								toBlock,
								timestamps: true,
								signal,
								getLogs: (range) => getContractEvents(publicClient, { address, abi: emergencyAccessAbi, eventName, args: { patient }, ...range, strict: true } as never)
							})
						).logs as unknown as Log[]
				)
			);
			const all = lists.flat();
			const providers = new Map(all.filter((l) => l.eventName === 'EmergencyRequested').map((l) => [String(l.args.id), l.args.provider as Address]));
			const logs = all
				.filter((l) => l.blockNumber >= fromBlock && l.blockNumber <= toBlock)
				.sort((a, b) => (a.blockNumber !== b.blockNumber ? (a.blockNumber < b.blockNumber ? -1 : 1) : a.logIndex - b.logIndex));
			const thresholds = new Map(logs.filter((l) => l.eventName === 'EmergencyThresholdReached').map((l) => [l.transactionHash + String(l.args.id), Number(l.args.readyAt)]));
			const entries: AuditEntry[] = [];
			for (const log of logs) {
				const base = { blockNumber: log.blockNumber, timestamp: log.blockTimestamp, transactionHash: log.transactionHash, logIndex: log.logIndex };
				const id = String(log.args.id);
				const provider = providers.get(id);
				const entry = (kind: AuditKind, actor: Address, summary: string, counterparty?: Address) =>
					entries.push({ kind, actor, summary, ...(counterparty ? { counterparty } : {}), ...base });
				switch (log.eventName) {
					case 'GuardiansSet': {
						const guardians = log.args.guardians as Address[];
						entry(
							'emergency-guardians-set',
							patient,
							guardians.length === 0
								? 'Emergency access turned off (no guardians; earlier key shares no longer count)'
								: `Emergency guardians named: ${guardians.length}, ${Number(log.args.threshold)} needed to approve, ${duration(Number(log.args.waitingPeriod))} (key epoch ${Number(log.args.epoch)})`
						);
						break;
					}
					case 'EmergencyRequested': {
						const reason = openReason ? await openReason(hexToBytes(log.args.sealedReason as Hex)).catch(() => null) : null;
						entry('emergency-requested', log.args.provider as Address, `Emergency request #${id} opened${reason ? `: “${reason}”` : ''}`);
						break;
					}
					case 'EmergencyApproved': {
						const readyAt = thresholds.get(log.transactionHash + id);
						const reached = readyAt === undefined ? '' : `; threshold reached, can be finalized from ${new Date(readyAt * 1000).toISOString()}`;
						entry('emergency-approved', log.args.guardian as Address, `Emergency request #${id} approved (${Number(log.args.approvals)} so far${reached})`, provider);
						break;
					}
					case 'EmergencyCancelled':
						entry('emergency-cancelled', patient, `Emergency request #${id} cancelled`, provider);
						break;
					case 'EmergencyFinalized': {
						// The event does not name who sent it (anyone may finalize): the transaction does.
						const from = getAddress((await getTransaction(publicClient, { hash: log.transactionHash })).from) as Address;
						entry('emergency-finalized', from, `Emergency request #${id} finalized: approving guardians may release their key shares`, log.args.provider as Address);
						break;
					}
					case 'EmergencyShareReleased':
						entry('emergency-released', log.args.guardian as Address, `Key share for emergency request #${id} released to the requesting provider`, provider);
						break;
				}
			}
			return entries;
		}
	};
}
