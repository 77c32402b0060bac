import type { Ports } from '../vault/deps';
import type { ProviderProfile } from '../vault/providerPorts';
import type { Category } from '../records/model';
import type { Bundle } from '../records/fhir/export';
import type { Participant } from '../vault/research/research';
import type { Study } from '../vault/research/ports';
import type { VaultAccess } from './vault.svelte';
import { ResearchUnavailableError } from '../vault/research/errors';
import { Busy } from './busy.svelte';

const useCases = () => import('../vault/research/research');

export interface StudyForm {
	purpose: string;
	categories: Category[];
	/** Last day of the study, YYYY-MM-DD (it ends at the end of that day, UTC). */
	endsOn: string;
}

/** The researcher area: registration, studies, participants with their releases and withdrawals, opening a release. */
export class ResearcherState {
	#ports: () => Promise<Ports>;
	#vault: VaultAccess;
	#profile = $state<ProviderProfile | null>(null);
	#loaded = $state(false);
	#studies = $state<Study[]>([]);
	#participants = $state<Participant[]>([]);
	#opened = $state.raw<{ label: string; bundle: Bundle } | null>(null);
	#ui = new Busy();

	constructor(ports: () => Promise<Ports>, vault: VaultAccess) {
		this.#ports = ports;
		this.#vault = vault;
	}

	get profile() { return this.#profile; }
	get loaded() { return this.#loaded; }
	get studies() { return this.#studies; }
	get participants() { return this.#participants; }
	get opened() { return this.#opened; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	async #deps() {
		const ports = await this.#ports();
		if (!ports.research) throw new ResearchUnavailableError();
		return { ...ports, research: ports.research };
	}

	load(): Promise<boolean> {
		return this.#ui.run('Reading your studies…', async () => {
			const deps = await this.#ports();
			this.#profile = await deps.providers.readProvider(deps.signer.address);
			this.#loaded = true;
			await this.#refresh();
		});
	}

	refresh(): Promise<boolean> {
		return this.#ui.run('Reading consents…', () => this.#refresh());
	}

	async #refresh(): Promise<void> {
		const { researcherOverview } = await useCases();
		const { studies, participants } = await researcherOverview(await this.#deps());
		this.#studies = studies;
		this.#participants = participants;
	}

	register(name: string): Promise<boolean> {
		return this.#ui.run('Confirm the registration in your wallet…', async () => {
			const { registerAsProvider } = await import('../vault/proposals/provider');
			this.#profile = await registerAsProvider(await this.#ports(), { name, role: 'researcher' });
			this.#ui.notice = { kind: 'success', text: `Registered as researcher ${this.#profile.name}.` };
		});
	}

	registerStudy(form: StudyForm): Promise<boolean> {
		return this.#ui.run('Confirm the study in your wallet…', async () => {
			const { registerStudy } = await useCases();
			const { StudyInputError } = await import('../vault/research/errors');
			const end = Date.parse(`${form.endsOn}T23:59:59Z`);
			if (!Number.isFinite(end)) throw new StudyInputError('choose the last day of the study.');
			const study = await registerStudy(await this.#deps(), { purpose: form.purpose, categories: form.categories, endsAt: Math.floor(end / 1000) });
			await this.#refresh();
			this.#ui.notice = { kind: 'success', text: `Study #${study.id} registered. Patients who trust your attester see it on their Research page.` };
		});
	}

	/** Opens one release (sealed to this researcher's key) for the safe viewer. */
	open(participant: Participant, index: number): Promise<boolean> {
		return this.#ui.run('Opening the release…', async () => {
			const { openRelease } = await useCases();
			const release = participant.releases[index];
			if (!release?.sealedPointer) throw new ResearchUnavailableError();
			const vault = await this.#vault.get();
			const bundle = await openRelease(await this.#ports(), vault.keys.inbox, release.sealedPointer);
			this.#opened = { label: `Study #${participant.studyId}, release ${index + 1} of ${participant.releases.length}`, bundle };
		});
	}

	close(): void {
		this.#opened = null;
	}
}
