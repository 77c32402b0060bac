import { bytesToHex, getAddress, hexToBytes, parseEventLogs, type Hex } from 'viem';
import { getBlock, getBlockNumber, getContractEvents, getTransactionReceipt, readContract, simulateContract } from 'viem/actions';
import { researchConsentAbi } from './contracts.generated';
import { read, write, type ChainClient } from './client';
import { InvalidChainInputError, translateReverts } from './errors';
import { scanKey, scanLogs, scannerOf } from './scanLogs';
import { readChainTime } from './actions/readChainTime';
import type { ConsentEvent, ResearchChain, Study } from '../vault/research/ports';
import type { AuditEntry, AuditSource } from '../vault/audit/entry';
import { categoriesToMask, maskToCategories } from '../vault/research/categories';
import {
	ConsentAlreadyGivenError,
	ConsentNotActiveError,
	NotAResearcherError,
	ResearchUnavailableError,
	StudyEndedError,
	StudyInputError
} from '../vault/research/errors';

/** A ChainClient, and the first block worth scanning (the deploy block; default 0). */
export type CreateResearchChainParameters = ChainClient & { fromBlock?: bigint };

type EventName = 'ConsentGiven' | 'DataReleased' | 'ConsentWithdrawn';
const KIND: Record<EventName, ConsentEvent['kind']> = { ConsentGiven: 'given', DataReleased: 'released', ConsentWithdrawn: 'withdrawn' };

function contractOf(client: ChainClient): Hex {
	const address = client.addresses.researchConsent;
	if (!address) throw new ResearchUnavailableError();
	return address;
}

/** Block times, read once per block. */
function blockTimes(client: ChainClient) {
	const times = new Map<bigint, Promise<number>>();
	return (blockNumber: bigint) => {
		let t = times.get(blockNumber);
		if (!t) {
			t = getBlock(client.publicClient, { blockNumber }).then((b) => Number(b.timestamp));
			times.set(blockNumber, t);
		}
		return t;
	};
}

type ConsentLog = {
	eventName: string;
	args: { studyId: bigint; patient: Hex; researcher: Hex; sealedPointer?: Hex };
	blockNumber: bigint;
	transactionHash: Hex;
	logIndex: number;
};

async function consentLogs(
	client: ChainClient,
	filter: { patient?: Hex; researcher?: Hex },
	events: readonly EventName[],
	range: { fromBlock: bigint; toBlock: bigint; cached: boolean; signal?: AbortSignal }
): Promise<ConsentLog[]> {
	const address = contractOf(client);
	const args = filter.patient ? { patient: filter.patient } : { researcher: filter.researcher };
	const all = await Promise.all(
		events.map(async (eventName) => {
			const getLogs = (r: { fromBlock: bigint; toBlock: bigint }) =>
				getContractEvents(client.publicClient, { address, abi: researchConsentAbi, eventName, args, ...r, strict: true }) as unknown as Promise<ConsentLog[]>;
			const scan = range.cached
				? scannerOf(client)(client.publicClient, scanKey(['research', address, eventName, args]), { fromBlock: range.fromBlock, toBlock: range.toBlock, getLogs, signal: range.signal })
				: scanLogs(client.publicClient, { fromBlock: range.fromBlock, toBlock: range.toBlock, getLogs, blockRange: client.logScan?.blockRange, signal: range.signal });
			return (await scan).logs;
		})
	);
	return all.flat().sort((a, b) => (a.blockNumber !== b.blockNumber ? (a.blockNumber < b.blockNumber ? -1 : 1) : a.logIndex - b.logIndex));
}

/**
 * The ResearchChain port over viem. Writes resolve once mined; the contract's
 * reverts the use cases act on become their errors (vault/research/errors).
 *
 * @example
 * const research = createResearchChain({ publicClient, walletClient, account, addresses: config.contracts, fromBlock: BigInt(config.deployBlock) })
 * const { studyId } = await research.registerStudy({ purpose: 'Asthma in children', categories: ['problems'], endsAt: 1798761600 })
 */
export function createResearchChain({ fromBlock = 0n, ...parameters }: CreateResearchChainParameters): ResearchChain {
	const client: ChainClient = { ...parameters };
	const reverts = (studyId?: bigint) => ({
		ResearchConsentNotResearcher: (err: unknown) => new NotAResearcherError({ cause: err }),
		ResearchConsentEndInPast: (err: unknown) => new StudyInputError('the end date is already past on the blockchain clock.', { cause: err }),
		ResearchConsentStudyEnded: (err: unknown) => new StudyEndedError(studyId ?? 0n, { cause: err }),
		ResearchConsentNotGiven: (err: unknown) => new ConsentNotActiveError(studyId ?? 0n, { cause: err }),
		ResearchConsentAlreadyGiven: (err: unknown) => new ConsentAlreadyGivenError(studyId ?? 0n, { cause: err })
	});
	const send = (action: string, functionName: 'giveConsent' | 'release' | 'withdrawConsent', args: readonly unknown[], studyId: bigint) => {
		const address = contractOf(client);
		return translateReverts(
			write(client, action, address, (account) =>
				simulateContract(client.publicClient, { address, abi: researchConsentAbi, functionName, args, account } as never)
			),
			reverts(studyId)
		);
	};
	const checkPointer = (sealedPointer: Uint8Array) => {
		if (!(sealedPointer instanceof Uint8Array) || sealedPointer.length === 0 || sealedPointer.length > 512)
			throw new InvalidChainInputError(`expected a sealed pointer of 1 to 512 bytes, got ${sealedPointer?.length ?? 'none'}`);
		return bytesToHex(sealedPointer);
	};
	const readStudy = async (studyId: bigint, purpose?: string): Promise<Study | null> => {
		const address = contractOf(client);
		const [researcher, categories, endsAt] = await readContract(client.publicClient, { address, abi: researchConsentAbi, functionName: 'studyOf', args: [studyId] });
		if (endsAt === 0n) return null;
		let text = purpose;
		if (text === undefined) {
			const [log] = await getContractEvents(client.publicClient, { address, abi: researchConsentAbi, eventName: 'StudyRegistered', args: { studyId }, fromBlock, strict: true });
			text = log?.args.purpose ?? '';
		}
		return { id: studyId, researcher: getAddress(researcher), purpose: text, categories: maskToCategories(categories), endsAt: Number(endsAt) };
	};

	return {
		async registerStudy({ purpose, categories, endsAt }) {
			const address = contractOf(client);
			const mask = categoriesToMask(categories);
			const hash = await translateReverts(
				write(client, 'register the study', address, (account) =>
					simulateContract(client.publicClient, { address, abi: researchConsentAbi, functionName: 'registerStudy', args: [purpose, mask, BigInt(endsAt)], account })
				),
				reverts()
			);
			return read(client, 'read the new study', async () => {
				const receipt = await getTransactionReceipt(client.publicClient, { hash });
				const [event] = parseEventLogs({ abi: researchConsentAbi, logs: receipt.logs, eventName: 'StudyRegistered' });
				if (!event) throw new InvalidChainInputError(`the transaction ${hash} registered no study`);
				return { studyId: event.args.studyId, hash };
			});
		},
		listStudies: () =>
			read(client, 'read the studies', async () => {
				const address = contractOf(client);
				const toBlock = await getBlockNumber(client.publicClient, { cacheTime: 0 });
				if (toBlock < fromBlock) return [];
				const { logs } = await scannerOf(client)(client.publicClient, scanKey(['studies', address]), {
					fromBlock,
					toBlock,
					getLogs: (range) => getContractEvents(client.publicClient, { address, abi: researchConsentAbi, eventName: 'StudyRegistered', ...range, strict: true })
				});
				return logs.map((l) => ({
					id: l.args.studyId,
					researcher: getAddress(l.args.researcher),
					purpose: l.args.purpose,
					categories: maskToCategories(l.args.categories),
					endsAt: Number(l.args.endsAt)
				}));
			}),
		readStudy: (studyId) => read(client, 'read the study', () => readStudy(studyId)),
		giveConsent: ({ studyId, sealedPointer }) => send('opt in to the study', 'giveConsent', [studyId, checkPointer(sealedPointer)], studyId),
		release: ({ studyId, sealedPointer }) => send('release data to the study', 'release', [studyId, checkPointer(sealedPointer)], studyId),
		withdrawConsent: (studyId) => send('withdraw from the study', 'withdrawConsent', [studyId], studyId),
		consentOf: (studyId, patient) =>
			read(client, 'read the consent', async () => {
				const address = contractOf(client);
				const [[givenAt, withdrawnAt], active] = await Promise.all([
					readContract(client.publicClient, { address, abi: researchConsentAbi, functionName: 'consentOf', args: [studyId, patient] }),
					readContract(client.publicClient, { address, abi: researchConsentAbi, functionName: 'isConsentActive', args: [studyId, patient] })
				]);
				return { givenAt: Number(givenAt), withdrawnAt: Number(withdrawnAt), active };
			}),
		listConsentEvents: (filter) =>
			read(client, 'read the consents', async () => {
				const toBlock = await getBlockNumber(client.publicClient, { cacheTime: 0 });
				if (toBlock < fromBlock) return [];
				const logs = await consentLogs(client, filter, ['ConsentGiven', 'DataReleased', 'ConsentWithdrawn'], { fromBlock, toBlock, cached: true });
				const time = blockTimes(client);
				return Promise.all(
					logs.map(async (l): Promise<ConsentEvent> => ({
						kind: KIND[l.eventName as EventName],
						studyId: l.args.studyId,
						patient: getAddress(l.args.patient),
						researcher: getAddress(l.args.researcher),
						...(l.args.sealedPointer ? { sealedPointer: hexToBytes(l.args.sealedPointer) } : {}),
						blockNumber: l.blockNumber,
						timestamp: await time(l.blockNumber),
						transactionHash: l.transactionHash,
						logIndex: l.logIndex
					}))
				);
			}),
		chainTime: () => readChainTime(client)
	};
}

/**
 * The patient's research consents for the Audit page: each consent given
 * (with its first release) and each withdrawal, with the researcher as the
 * counterparty. Later releases are not an audit kind yet; they show on the
 * Research page. Read through the chain reader's cursor (`logScan.cache`).
 *
 * @example
 * const source = createResearchAuditSource({ publicClient, addresses: config.contracts })
 * const entries = await source.read(patient, { fromBlock: 0n, toBlock: 100n })
 */
export function createResearchAuditSource({ fromBlock: deployBlock = 0n, ...parameters }: CreateResearchChainParameters): AuditSource {
	const client: ChainClient = { ...parameters };
	return {
		name: 'research-consent',
		async read(patient, { fromBlock, toBlock }, signal) {
			if (!client.addresses.researchConsent || toBlock < fromBlock) return [];
			return read(client, 'read research consents', async () => {
				// From the deploy block through the cursor (sealed cache: a second visit reads only new blocks), then cut to the range.
				const logs = (await consentLogs(client, { patient }, ['ConsentGiven', 'ConsentWithdrawn'], { fromBlock: deployBlock, toBlock, cached: true, signal })).filter(
					(l) => l.blockNumber >= fromBlock
				);
				const time = blockTimes(client);
				return Promise.all(
					logs.map(async (l): Promise<AuditEntry> => {
						const given = l.eventName === 'ConsentGiven';
						return {
							kind: given ? 'research-consent-given' : 'research-consent-withdrawn',
							actor: getAddress(l.args.patient),
							counterparty: getAddress(l.args.researcher),
							summary: given
								? `Consent given to research study #${l.args.studyId}, with a release of de-identified data`
								: `Consent to research study #${l.args.studyId} withdrawn; nothing more is released to it`,
							blockNumber: l.blockNumber,
							timestamp: await time(l.blockNumber),
							transactionHash: l.transactionHash,
							logIndex: l.logIndex
						};
					})
				);
			});
		}
	};
}
