import type { Hex } from '../vault/ports';
import type { CurrentLists } from '../records/reconcile';
import type { ProviderIdentity } from '../vault/providers/identify';
import type { EmergencyPorts, EmergencyRequestState, EmergencyScope, GuardianSetup } from '../vault/emergency';
import type { VaultAccess } from './vault.svelte';
import { Busy } from './busy.svelte';

export type { EmergencyRequestState, EmergencyScope, GuardianSetup };

// The use cases are loaded on first use: not every visit needs emergency access.
const useCases = () => import('../vault/emergency');

/** A request as the page lists it: with its reason when it is sealed to me. */
export interface EmergencyRequestView extends EmergencyRequestState {
	reason: string | null;
}

export interface GuardianRequestView extends EmergencyRequestView {
	setup: GuardianSetup;
}

export interface GuardianForm {
	guardians: Hex[];
	threshold: number;
	waitingPeriod: number;
	summary: string;
}

/**
 * The patient's Emergency access page: guardians, threshold, waiting period
 * and summary; every request with its approvals and releases (cancel while
 * pending); and, for someone a patient named, the requests to approve and
 * the shares to release. Visiting the page refreshes the scope when the
 * current lists changed since it was last published (one transaction).
 */
export class EmergencyState {
	#ports: () => Promise<EmergencyPorts>;
	#vault: VaultAccess;
	#lists: () => Promise<{ lists: CurrentLists }>;
	#identify: (address: Hex) => Promise<ProviderIdentity | null>;
	#ui = new Busy();
	#loaded = $state(false);
	#setup = $state.raw<GuardianSetup | null>(null);
	#scope = $state.raw<EmergencyScope | null>(null);
	#requests = $state.raw<EmergencyRequestView[]>([]);
	#guarding = $state.raw<GuardianRequestView[]>([]);
	#candidates = $state.raw<Hex[]>([]);
	#identities = $state.raw<Record<string, ProviderIdentity | null>>({});
	#now = $state(0);
	#refreshed = $state(false);
	#loads = $state(0);

	constructor(
		ports: () => Promise<EmergencyPorts>,
		vault: VaultAccess,
		options: { lists: () => Promise<{ lists: CurrentLists }>; identify: (address: Hex) => Promise<ProviderIdentity | null> }
	) {
		this.#ports = ports;
		this.#vault = vault;
		this.#lists = options.lists;
		this.#identify = options.identify;
	}

	get loaded() { return this.#loaded; }
	/** How many loads finished (the page marks it, so a test knows a visit's data is in). */
	get loads() { return this.#loads; }
	get setup() { return this.#setup; }
	get scope() { return this.#scope; }
	/** Requests for me as a patient, newest first. */
	get requests() { return this.#requests; }
	/** Requests for patients who named me a guardian, newest first. */
	get guarding() { return this.#guarding; }
	/** Accounts with published keys (who can be a guardian), me excluded. */
	get candidates() { return this.#candidates; }
	/** Name checks of accounts on the page (undefined: still checking; null: not a provider). */
	identityOf(address: string): ProviderIdentity | null | undefined { return this.#identities[address.toLowerCase()]; }
	/** Chain time of the last load (the waiting period runs on it). */
	get now() { return this.#now; }
	/** True when this visit published a refreshed scope. */
	get refreshed() { return this.#refreshed; }
	/** Requests for me still open or waiting: what the Inbox shows as new. */
	get pending() { return this.#requests.filter((r) => r.status === 'open' || r.status === 'waiting'); }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	load(): Promise<boolean> {
		return this.#ui.run('Reading your emergency access from the blockchain…', async () => {
			await this.#read();
			// The scope follows the current lists: a changed list is published on this visit.
			if (this.#setup && this.#scope) {
				const [{ refreshScope }, ports, vault, { lists }] = await Promise.all([useCases(), this.#ports(), this.#vault.get(), this.#lists()]);
				if ((await refreshScope(ports, vault, { setup: this.#setup, scope: this.#scope }, lists, this.#scope.summary)) === 'updated') {
					this.#refreshed = true;
					await this.#read();
					this.#ui.notice = { kind: 'success', text: 'Your current lists changed: your emergency information was updated for your guardians.' };
				}
			}
			this.#loaded = true;
		}, () => this.#loads++);
	}

	/**
	 * Reads only the requests (mine as a patient, and those I guard): what the
	 * Inbox shows. Publishes nothing, so it never asks the wallet.
	 */
	loadRequests(): Promise<boolean> {
		return this.#ui.run('Reading emergency requests…', async () => {
			const [{ listGuardianRequests, openReason }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
			const [requests, guarding] = await Promise.all([ports.emergency.listRequests({ patient: vault.address }), listGuardianRequests(ports, vault)]);
			this.#requests = await Promise.all([...requests].reverse().map(async (r) => ({ ...r, reason: await openReason(vault, r.sealedReason) })));
			this.#guarding = await Promise.all(guarding.map(async ({ setup, request }) => ({ ...request, setup, reason: await openReason(vault, request.sealedReason) })));
			void this.#identifyAll([...this.#requests, ...this.#guarding].map((r) => r.provider));
		});
	}

	/** Requests for patients I guard that wait for my approval or my share. */
	toActOn(me: string): GuardianRequestView[] {
		const is = (a: string) => a.toLowerCase() === me.toLowerCase();
		return this.#guarding.filter(
			(r) => (r.status === 'open' && !r.approvedBy.some(is)) || (r.status === 'finalized' && r.approvedBy.some(is) && !r.releases.some((x) => is(x.guardian)))
		);
	}

	/** Names guardians (a new key epoch: earlier shares stop counting). */
	save(form: GuardianForm): Promise<boolean> {
		return this.#ui.run('Encrypting your emergency information and the guardians’ key shares… confirm the transaction in your wallet', async () => {
			const [{ setUpGuardians }, ports, vault, { lists }] = await Promise.all([useCases(), this.#ports(), this.#vault.get(), this.#lists()]);
			await setUpGuardians(ports, vault, { ...form, lists });
			await this.#read();
			this.#ui.notice = { kind: 'success', text: 'Guardians saved. Each received a key share only they can open; earlier shares no longer count.' };
		});
	}

	/** Publishes a new summary with the current lists (same guardians, same key). */
	saveSummary(summary: string): Promise<boolean> {
		return this.#ui.run('Updating your emergency information… confirm the transaction in your wallet', async () => {
			const [{ refreshScope }, ports, vault, { lists }] = await Promise.all([useCases(), this.#ports(), this.#vault.get(), this.#lists()]);
			const current = this.#setup && this.#scope ? { setup: this.#setup, scope: this.#scope } : null;
			if (!current) return;
			const result = await refreshScope(ports, vault, current, lists, summary);
			await this.#read();
			this.#ui.notice = { kind: 'success', text: result === 'updated' ? 'Emergency information updated.' : 'Nothing changed.' };
		});
	}

	turnOff(): Promise<boolean> {
		return this.#ui.run('Turning emergency access off… confirm the transaction in your wallet', async () => {
			const [{ turnOffEmergencyAccess }, ports] = await Promise.all([useCases(), this.#ports()]);
			await turnOffEmergencyAccess(ports);
			await this.#read();
			this.#ui.notice = { kind: 'success', text: 'Emergency access is off. No request can be opened and earlier key shares no longer count.' };
		});
	}

	cancel(id: bigint): Promise<boolean> {
		return this.#chain(`Cancelling emergency request #${id}…`, (p) => p.emergency.cancel({ id }), `Request #${id} cancelled: nothing will be released for it.`);
	}

	approve(id: bigint): Promise<boolean> {
		return this.#chain(`Approving emergency request #${id}…`, (p) => p.emergency.approve({ id }), `You approved request #${id}.`);
	}

	finalize(id: bigint): Promise<boolean> {
		return this.#chain(`Finalizing emergency request #${id}…`, (p) => p.emergency.finalize({ id }), `Request #${id} finalized: approving guardians can now release their shares.`);
	}

	release(request: EmergencyRequestState): Promise<boolean> {
		return this.#ui.run(`Sealing your key share to the provider for request #${request.id}… confirm the transaction in your wallet`, async () => {
			const [{ releaseShare }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
			await releaseShare(ports, vault, request);
			await this.#read();
			this.#ui.notice = { kind: 'success', text: `Your share for request #${request.id} was released to the provider.` };
		});
	}

	#chain(busy: string, work: (ports: EmergencyPorts) => Promise<unknown>, done: string): Promise<boolean> {
		return this.#ui.run(busy, async () => {
			await work(await this.#ports());
			await this.#read();
			this.#ui.notice = { kind: 'success', text: done };
		});
	}

	async #read(): Promise<void> {
		const [{ readMyEmergency, listGuardianRequests, openReason }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
		const [mine, requests, guarding, holders, now] = await Promise.all([
			readMyEmergency(ports, vault),
			ports.emergency.listRequests({ patient: vault.address }),
			listGuardianRequests(ports, vault),
			ports.emergency.listKeyHolders(),
			ports.emergency.chainTime()
		]);
		const withReason = async <T extends EmergencyRequestState>(r: T) => ({ ...r, reason: await openReason(vault, r.sealedReason) });
		this.#setup = mine?.setup ?? null;
		this.#scope = mine?.scope ?? null;
		this.#requests = await Promise.all([...requests].reverse().map(withReason));
		this.#guarding = await Promise.all(guarding.map(({ setup, request }) => withReason(request).then((r) => ({ ...r, setup }))));
		this.#candidates = holders.filter((h) => h.toLowerCase() !== vault.address.toLowerCase());
		this.#now = now;
		void this.#identifyAll([...this.#candidates, ...this.#requests.map((r) => r.provider), ...this.#guarding.map((r) => r.provider)]);
	}

	async #identifyAll(addresses: Hex[]): Promise<void> {
		for (const address of new Set(addresses.map((a) => a.toLowerCase()))) {
			if (address in this.#identities) continue;
			const identity = await this.#identify(address as Hex).catch(() => null);
			this.#identities = { ...this.#identities, [address]: identity };
		}
	}
}
