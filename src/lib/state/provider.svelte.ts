import type { ProposalDeps } from '../vault/proposals/deps';
import type { ProviderProfile, ProviderRole } from '../vault/providerPorts';
import type { FileInput } from '../vault/addRecords';
import type { Category } from '../records/model';
import type { ProposeProgress, SentProposal } from '../vault/proposals/provider';
import type { VaultAccess } from './vault.svelte';
import { Busy } from './busy.svelte';

export interface ProposalForm {
	patient: string;
	title: string;
	category: Category;
	date: string;
	files: FileInput[];
	note?: string;
	resourceType?: string;
}

const STEP_TEXT: Record<ProposeProgress['step'], string> = {
	checking: 'Checking the patient’s vault and your registration…',
	encrypting: 'Encrypting and storing the files…',
	sending: 'Confirm the transaction in your wallet to send the proposal…',
	done: 'Sent.'
};

// The use cases are loaded on first use: the provider page is not on every visitor's path.
const useCases = () => import('../vault/proposals/provider');

/** The provider's side: its registration, proposing records, and the patients' decisions. */
export class ProviderState {
	#ports: () => Promise<ProposalDeps>;
	#vault: VaultAccess;
	#profile = $state<ProviderProfile | null>(null);
	#loaded = $state(false);
	#proposals = $state<SentProposal[]>([]);
	#ui = new Busy();
	#progress = $state<ProposeProgress | null>(null);

	constructor(ports: () => Promise<ProposalDeps>, vault: VaultAccess) {
		this.#ports = ports;
		this.#vault = vault;
	}

	get profile() { return this.#profile; }
	/** True once the registration was looked up. */
	get loaded() { return this.#loaded; }
	get proposals() { return this.#proposals; }
	get busy() { return this.#ui.busy; }
	get progress() { return this.#progress; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	/** Reads the registration and the sent proposals with their decisions. */
	async load(): Promise<boolean> {
		return this.#run('Loading your provider profile…', async () => {
			const deps = await this.#ports();
			this.#profile = await deps.providers.readProvider(deps.signer.address);
			this.#loaded = true;
			await this.#refresh(deps);
		});
	}

	async register(name: string, role: ProviderRole): Promise<boolean> {
		return this.#run('Confirm the registration in your wallet…', async () => {
			const { registerAsProvider } = await useCases();
			this.#profile = await registerAsProvider(await this.#ports(), { name, role });
			this.#ui.notice = { kind: 'success', text: `Registered as ${this.#profile.name}.` };
		});
	}

	async propose(form: ProposalForm): Promise<boolean> {
		return this.#run(STEP_TEXT.checking, async () => {
			const { proposeRecord } = await useCases();
			const deps = await this.#ports();
			const vault = await this.#vault.get();
			const { id } = await proposeRecord(deps, vault, form, {
				onProgress: (p) => {
					this.#progress = p;
					this.#ui.busy = STEP_TEXT[p.step];
				}
			});
			this.#ui.notice = { kind: 'success', text: `Proposal #${id} sent. The patient decides whether to accept it.` };
			await this.#refresh(deps);
		});
	}

	async refresh(): Promise<boolean> {
		return this.#run('Reading decisions…', async () => this.#refresh(await this.#ports()));
	}

	async #refresh(deps: ProposalDeps): Promise<void> {
		const { listMyProposals } = await useCases();
		const vault = await this.#vault.get().catch(() => null);
		this.#proposals = await listMyProposals(deps, vault);
	}

	async #run(busy: string, work: () => Promise<void>): Promise<boolean> {
		return this.#ui.run(busy, work, () => {
			this.#progress = null;
		});
	}
}
