import type { Hex } from '../vault/ports';
import type { EmergencyPorts, EmergencyRequestState, EmergencyScope } from '../vault/emergency';
import type { VaultAccess } from './vault.svelte';
import { messageOf } from '../errors';
import { Busy } from './busy.svelte';

const useCases = () => import('../vault/emergency');

/** What opening a request's scope gave: the scope, or why not (shares missing, not finalized...). */
export type ScopeResult = { scope: EmergencyScope } | { error: { name: string; text: string } };

/**
 * The provider's "Emergency request" area: open a request with a reason,
 * follow its approvals, finalize it after the waiting period, and open the
 * emergency scope once enough guardians released their shares.
 */
export class EmergencyRequestPageState {
	#ports: () => Promise<EmergencyPorts>;
	#vault: VaultAccess;
	#ui = new Busy();
	#requests = $state.raw<EmergencyRequestState[]>([]);
	#scopes = $state.raw<Record<string, ScopeResult>>({});
	#now = $state(0);
	#loaded = $state(false);

	constructor(ports: () => Promise<EmergencyPorts>, vault: VaultAccess) {
		this.#ports = ports;
		this.#vault = vault;
	}

	/** My requests, newest first. */
	get requests() { return this.#requests; }
	scopeOf(id: bigint): ScopeResult | undefined { return this.#scopes[id.toString()]; }
	get now() { return this.#now; }
	get loaded() { return this.#loaded; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	load(): Promise<boolean> {
		return this.#ui.run('Reading your emergency requests from the blockchain…', async () => {
			await this.#read();
			this.#loaded = true;
		});
	}

	request(input: { patient: Hex; reason: string }): Promise<boolean> {
		return this.#ui.run('Sealing your reason to the patient and the guardians… confirm the transaction in your wallet', async () => {
			const [{ requestEmergencyAccess }, ports] = await Promise.all([useCases(), this.#ports()]);
			const { id } = await requestEmergencyAccess(ports, input);
			await this.#read();
			this.#ui.notice = { kind: 'success', text: `Emergency request #${id} sent. The patient’s guardians are asked to approve it.` };
		});
	}

	finalize(id: bigint): Promise<boolean> {
		return this.#ui.run(`Finalizing emergency request #${id}…`, async () => {
			await (await this.#ports()).emergency.finalize({ id });
			await this.#read();
			this.#ui.notice = { kind: 'success', text: `Request #${id} finalized: the approving guardians can now release their key shares to you.` };
		});
	}

	/** Tries to open the scope of request `id`; the result (scope or reason) is kept for the page. */
	openScope(id: bigint): Promise<boolean> {
		// The last answer goes at once: what shows next is this attempt's.
		const { [id.toString()]: _previous, ...others } = this.#scopes;
		this.#scopes = others;
		return this.#ui.run(`Opening the emergency information of request #${id}…`, async () => {
			const [{ openEmergencyScope }, ports, vault] = await Promise.all([useCases(), this.#ports(), this.#vault.get()]);
			let result: ScopeResult;
			try {
				result = { scope: await openEmergencyScope(ports, vault, id) };
			} catch (err) {
				result = { error: { name: err instanceof Error ? err.name : 'Error', text: messageOf(err) } };
			}
			this.#scopes = { ...this.#scopes, [id.toString()]: result };
			await this.#read();
		});
	}

	async #read(): Promise<void> {
		const [ports, vault] = await Promise.all([this.#ports(), this.#vault.get()]);
		const [requests, now] = await Promise.all([ports.emergency.listRequests({ provider: vault.address }), ports.emergency.chainTime()]);
		this.#requests = [...requests].reverse();
		this.#now = now;
	}
}
