import { bytesToHex, hexToBytes, isAddressEqual, parseEventLogs, type Address, type Hex } from 'viem';
import { getBlock, getBlockNumber, getContractEvents, getTransactionReceipt, readContract, simulateContract } from 'viem/actions';
import { emergencyAccessAbi, keyRegistryAbi } from './contracts.generated';
import { read, write, type ChainClient } from './client';
import { InvalidChainInputError, TransactionFailedError, translateReverts } from './errors';
import { scanKey, scannerOf } from './scanLogs';
import { readChainTime } from './actions/readChainTime';
import type { EmergencyChain, EmergencyRequestState, EmergencyStatus, GuardianSetup } from '../vault/emergency/ports';
import { EmergencyRequestStateError, GuardianSetupError, NoGuardiansError, NotAGuardianError } from '../vault/emergency/errors';
import { NotARegisteredProviderError } from '../vault/proposals/errors';

/** Contract addresses emergency access needs: the vault's plus EmergencyAccess. */
export type EmergencyChainClient = ChainClient & { addresses: ChainClient['addresses'] & { emergencyAccess: Hex } };

const STATUS_TEXT: Record<number, string> = { 1: 'still open', 2: 'waiting', 3: 'cancelled', 4: 'already finalized' };

/**
 * The EmergencyChain port over viem: one function per contract call, requests
 * rebuilt from events (scanned in bounded ranges, resumable). Reverts the use
 * cases act on become vault/emergency errors.
 *
 * @example
 * const emergency = createEmergencyChain({ publicClient, walletClient, account, addresses: config.contracts, fromBlock })
 * const { id } = await emergency.openRequest({ patient, sealedReason })
 */
export function createEmergencyChain({ fromBlock = 0n, ...client }: EmergencyChainClient & { fromBlock?: bigint }): EmergencyChain {
	const address = client.addresses.emergencyAccess;
	const { publicClient } = client;
	const scan = scannerOf(client);

	const send = (action: string, functionName: string, args: readonly unknown[]) =>
		write(client, action, address, (account) => simulateContract(publicClient, { address, abi: emergencyAccessAbi, functionName, args, account } as never));
	const stateErrors = (id: bigint) => ({
		EmergencyAccessWrongStatus: (err: TransactionFailedError) =>
			new EmergencyRequestStateError(`Emergency request ${id} is ${STATUS_TEXT[Number(err.errorArgs?.[1])] ?? 'closed'}: this step is no longer possible.`, { cause: err }),
		EmergencyAccessStaleEpoch: (err: TransactionFailedError) =>
			new EmergencyRequestStateError(`The patient changed guardians after emergency request ${id} was opened, so it can no longer go ahead. Open a new request.`, { cause: err }),
		EmergencyAccessWaiting: (err: TransactionFailedError) =>
			new EmergencyRequestStateError(
				`The patient's waiting period for request ${id} ends at ${new Date(Number(err.errorArgs?.[1] ?? 0) * 1000).toLocaleString()}; it can be finalized then.`,
				{ cause: err }
			),
		EmergencyAccessNotGuardian: (err: TransactionFailedError) => new NotAGuardianError({ cause: err }),
		EmergencyAccessCannotRelease: (err: TransactionFailedError) =>
			new EmergencyRequestStateError('Only a guardian who approved this request can release a share, and only once.', { cause: err }),
		EmergencyAccessAlreadyApproved: (err: TransactionFailedError) => new EmergencyRequestStateError('You already approved this request.', { cause: err })
	});

	const events = <N extends string>(eventName: N, args: Record<string, unknown> | undefined, key: unknown[], toBlock: bigint) =>
		scan(publicClient, scanKey(['emergency', address, eventName, key]), {
			fromBlock,
			toBlock,
			getLogs: (range) => getContractEvents(publicClient, { address, abi: emergencyAccessAbi, eventName, args, ...range, strict: true } as never)
		}).then((r) => r.logs as unknown as Array<{ args: Record<string, unknown>; blockNumber: bigint; transactionHash: Hex; logIndex: number }>);

	const setupOf = (log: { args: Record<string, unknown>; blockNumber: bigint }): GuardianSetup => ({
		patient: log.args.patient as Hex,
		epoch: Number(log.args.epoch),
		guardians: [...(log.args.guardians as Hex[])],
		threshold: Number(log.args.threshold),
		waitingPeriod: Number(log.args.waitingPeriod),
		keyCommitment: log.args.keyCommitment as Hex,
		sealedShares: (log.args.sealedShares as Hex[]).map((s) => hexToBytes(s)),
		scopePointer: hexToBytes(log.args.scopePointer as Hex),
		blockNumber: log.blockNumber
	});

	const blockTimes = new Map<bigint, number>();
	const timeOf = async (blockNumber: bigint) => {
		const known = blockTimes.get(blockNumber);
		if (known !== undefined) return known;
		const time = Number((await getBlock(publicClient, { blockNumber })).timestamp);
		blockTimes.set(blockNumber, time);
		return time;
	};

	async function requests(filter: { patient?: Hex; provider?: Hex; id?: bigint }): Promise<EmergencyRequestState[]> {
		const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 });
		if (toBlock < fromBlock) return [];
		const made = await events('EmergencyRequested', filter, [filter], toBlock);
		if (made.length === 0) return [];
		const ids = made.map((l) => l.args.id as bigint);
		const [approved, ready, cancelled, finalized, released] = await Promise.all(
			['EmergencyApproved', 'EmergencyThresholdReached', 'EmergencyCancelled', 'EmergencyFinalized', 'EmergencyShareReleased'].map((name) =>
				events(name, { id: ids }, ids, toBlock)
			)
		);
		const byId = <T>(logs: typeof made, pick: (l: (typeof made)[number]) => T) => {
			const map = new Map<bigint, T[]>();
			for (const l of logs) map.set(l.args.id as bigint, [...(map.get(l.args.id as bigint) ?? []), pick(l)]);
			return map;
		};
		const approvals = byId(approved, (l) => l.args.guardian as Hex);
		const readyAt = byId(ready, (l) => Number(l.args.readyAt));
		const cancels = byId(cancelled, () => true);
		const finals = byId(finalized, () => true);
		const releases = byId(released, (l) => ({ guardian: l.args.guardian as Hex, sealedPointer: hexToBytes(l.args.sealedPointer as Hex) }));
		return Promise.all(
			made.map(async (l): Promise<EmergencyRequestState> => {
				const id = l.args.id as bigint;
				const status: EmergencyStatus = cancels.has(id) ? 'cancelled' : finals.has(id) ? 'finalized' : readyAt.has(id) ? 'waiting' : 'open';
				return {
					id,
					provider: l.args.provider as Hex,
					patient: l.args.patient as Hex,
					epoch: Number(l.args.epoch),
					status,
					readyAt: readyAt.get(id)?.[0] ?? 0,
					sealedReason: hexToBytes(l.args.sealedReason as Hex),
					openedAt: await timeOf(l.blockNumber),
					approvedBy: approvals.get(id) ?? [],
					releases: releases.get(id) ?? []
				};
			})
		);
	}

	return {
		async setGuardians(p) {
			if (p.sealedShares.length !== p.guardians.length) throw new InvalidChainInputError('one sealed share per guardian');
			const hash = await translateReverts(
				send('name your emergency guardians', 'setGuardians', [
					p.guardians,
					p.threshold,
					p.waitingPeriod,
					p.keyCommitment,
					p.sealedShares.map((s) => bytesToHex(s)),
					bytesToHex(p.scopePointer)
				]),
				{
					EmergencyAccessGuardianNotRegistered: (err) =>
						new GuardianSetupError(`${String(err.errorArgs?.[0])} has no Carevault keys yet, so it cannot be a guardian. Ask them to create a vault first.`, { cause: err }),
					EmergencyAccessInvalidGuardian: (err) =>
						new GuardianSetupError(`${String(err.errorArgs?.[0])} is named twice, or is you: each guardian must be someone else, once.`, { cause: err })
				}
			);
			const receipt = await read(client, 'read your guardian set-up', () => getTransactionReceipt(publicClient, { hash }));
			const set = parseEventLogs({ abi: emergencyAccessAbi, logs: receipt.logs, eventName: 'GuardiansSet' }).find((l) => isAddressEqual(l.address, address));
			if (!set) throw new TransactionFailedError('name your emergency guardians', { hash });
			return { hash, epoch: Number(set.args.epoch) };
		},
		updateScope: (p) => send('update your emergency information', 'updateScope', [bytesToHex(p.scopePointer)]),
		readSetup: (patient) =>
			read(client, 'read emergency guardians', async () => {
				const [, , , epoch] = (await readContract(publicClient, { address, abi: emergencyAccessAbi, functionName: 'guardiansOf', args: [patient] })) as readonly [
					readonly Address[],
					number,
					number,
					number,
					Hex
				];
				if (epoch === 0) return null;
				const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 });
				const [sets, scopes] = await Promise.all([
					events('GuardiansSet', { patient, epoch }, [patient, epoch], toBlock),
					events('ScopeUpdated', { patient, epoch }, [patient, epoch], toBlock)
				]);
				const last = sets.at(-1);
				if (!last) return null;
				const setup = setupOf(last);
				const scope = scopes.at(-1);
				if (scope) setup.scopePointer = hexToBytes(scope.args.scopePointer as Hex);
				return setup;
			}),
		listSetupsNaming: (guardian) =>
			read(client, 'read who named you a guardian', async () => {
				const toBlock = await getBlockNumber(publicClient, { cacheTime: 0 });
				const latest = new Map<string, GuardianSetup>();
				for (const log of await events('GuardiansSet', undefined, ['all'], toBlock)) latest.set((log.args.patient as string).toLowerCase(), setupOf(log));
				return [...latest.values()].filter((s) => s.guardians.some((g) => isAddressEqual(g, guardian)));
			}),
		async openRequest(p) {
			const hash = await translateReverts(send('send your emergency request', 'openRequest', [p.patient, bytesToHex(p.sealedReason)]), {
				EmergencyAccessNotProvider: (err) => new NotARegisteredProviderError({ cause: err }),
				EmergencyAccessNoGuardians: (err) => new NoGuardiansError(p.patient, { cause: err })
			});
			const receipt = await read(client, 'read your emergency request', () => getTransactionReceipt(publicClient, { hash }));
			const made = parseEventLogs({ abi: emergencyAccessAbi, logs: receipt.logs, eventName: 'EmergencyRequested' }).find((l) => isAddressEqual(l.address, address));
			if (!made) throw new TransactionFailedError('send your emergency request', { hash });
			return { hash, id: made.args.id };
		},
		approve: ({ id }) => translateReverts(send('approve the emergency request', 'approve', [id]), stateErrors(id)),
		approveWithSignatures: ({ id, signatures }) => translateReverts(send('approve the emergency request', 'approveWithSignatures', [id, signatures]), stateErrors(id)),
		cancel: ({ id }) => translateReverts(send('cancel the emergency request', 'cancel', [id]), stateErrors(id)),
		finalize: ({ id }) => translateReverts(send('finalize the emergency request', 'finalize', [id]), stateErrors(id)),
		release: ({ id, sealedPointer }) => translateReverts(send('release your key share', 'release', [id, bytesToHex(sealedPointer)]), stateErrors(id)),
		readRequest: (id) => read(client, 'read the emergency request', async () => (await requests({ id }))[0] ?? null),
		listRequests: (filter) => read(client, 'read emergency requests', () => requests(filter)),
		chainTime: () => readChainTime(client),
		listKeyHolders: () =>
			read(client, 'read registered accounts', async () => {
				const registry = client.addresses.keyRegistry;
				const { logs } = await scan(publicClient, scanKey(['keyHolders', registry]), {
					fromBlock,
					getLogs: (range) => getContractEvents(publicClient, { address: registry, abi: keyRegistryAbi, eventName: 'KeysPublished', ...range, strict: true })
				});
				const seen = new Map<string, Hex>();
				for (const log of logs) if (!seen.has(log.args.account.toLowerCase())) seen.set(log.args.account.toLowerCase(), log.args.account);
				return [...seen.values()];
			})
	};
}
