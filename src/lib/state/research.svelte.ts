import type { Ports } from '../vault/deps';
import type { Hex } from '../vault/ports';
import type { FhirResource } from '../records/fhir/validate';
import type { ProviderIdentity } from '../vault/providers/identify';
import type { StudyForPatient } from '../vault/research/research';
import type { Bundle, ExportNote } from '../records/fhir/export';
import type { VaultAccess } from './vault.svelte';
import { ResearchUnavailableError } from '../vault/research/errors';
import { Busy } from './busy.svelte';

const useCases = () => import('../vault/research/research');

/** A study on the patient's Research page: its terms, the patient's standing and who the researcher is. */
export interface StudyRow extends StudyForPatient {
	researcher: ProviderIdentity | null;
	/** An attester the patient trusts vouches for the researcher as a researcher (or the patient pinned them). */
	verified: boolean;
}

/** What would be released to a study, shown before the patient confirms. */
export interface ReleasePreview {
	studyId: bigint;
	bundle: Bundle;
	counts: Record<string, number>;
	leftOut: ExportNote[];
}

export interface ResearchStateDeps {
	ports: () => Promise<Ports>;
	vault: VaultAccess;
	/** The patient's FHIR resources (decrypted from the vault). */
	resources: () => Promise<FhirResource[]>;
	/** Who an address is, under the patient's trust settings. */
	identify: (address: Hex) => Promise<ProviderIdentity | null>;
}

export function isVerifiedResearcher(identity: ProviderIdentity | null): boolean {
	const trust = identity?.trust;
	if (!trust || trust.status !== 'verified') return false;
	return trust.via === 'pinned' || trust.role.trim().toLowerCase() === 'researcher';
}

/** The patient's Research page: studies, opting in after a preview, releasing again, withdrawing. */
export class ResearchState {
	#deps: ResearchStateDeps;
	#studies = $state<StudyRow[]>([]);
	#loaded = $state(false);
	#preview = $state.raw<ReleasePreview | null>(null);
	#ui = new Busy();

	constructor(deps: ResearchStateDeps) {
		this.#deps = deps;
	}

	get studies() { return this.#studies; }
	get loaded() { return this.#loaded; }
	get preview() { return this.#preview; }
	get busy() { return this.#ui.busy; }
	get notice() { return this.#ui.notice; }
	dismissNotice() { this.#ui.notice = null; }

	async #research() {
		const ports = await this.#deps.ports();
		if (!ports.research) throw new ResearchUnavailableError();
		return { ...ports, research: ports.research };
	}

	load(): Promise<boolean> {
		return this.#ui.run('Reading the studies…', () => this.#refresh());
	}

	async #refresh(): Promise<void> {
		const { studiesForPatient } = await useCases();
		const rows = await studiesForPatient(await this.#research());
		const identities = await Promise.all(rows.map((r) => this.#deps.identify(r.study.researcher).catch(() => null)));
		this.#studies = rows.map((r, i) => ({ ...r, researcher: identities[i], verified: isVerifiedResearcher(identities[i]) }));
		this.#loaded = true;
	}

	#row(studyId: bigint): StudyRow {
		const row = this.#studies.find((s) => s.study.id === studyId);
		if (!row) throw new ResearchUnavailableError();
		return row;
	}

	/** De-identifies the vault's data for the study and shows it; nothing leaves the browser. */
	showPreview(studyId: bigint): Promise<boolean> {
		return this.#ui.run('Preparing the de-identified data…', async () => {
			const { previewRelease } = await useCases();
			const row = this.#row(studyId);
			const out = previewRelease(await this.#deps.resources(), row.study, new Date());
			this.#preview = { studyId, bundle: out.bundle, counts: out.counts, leftOut: out.leftOut };
		});
	}

	cancelPreview(): void {
		this.#preview = null;
	}

	/** Opts in: consent on-chain with the release the patient just previewed (made again, with fresh ids). */
	confirm(studyId: bigint): Promise<boolean> {
		return this.#ui.run('Encrypting for the researcher; confirm the consent in your wallet…', async () => {
			const { optIn } = await useCases();
			const row = this.#row(studyId);
			const { counts } = await optIn(await this.#research(), await this.#deps.vault.get(), { study: row.study, resources: await this.#deps.resources(), now: new Date() });
			this.#preview = null;
			await this.#refresh();
			this.#ui.notice = { kind: 'success', text: `You joined study #${studyId}: ${total(counts)} de-identified resources were released to the researcher.` };
		});
	}

	/** Releases the current data again to a study the patient takes part in. */
	releaseAgain(studyId: bigint): Promise<boolean> {
		return this.#ui.run('Encrypting for the researcher; confirm in your wallet…', async () => {
			const { releaseAgain } = await useCases();
			const row = this.#row(studyId);
			const { counts } = await releaseAgain(await this.#research(), await this.#deps.vault.get(), { study: row.study, resources: await this.#deps.resources(), now: new Date() });
			await this.#refresh();
			this.#ui.notice = { kind: 'success', text: `${total(counts)} de-identified resources were released again to study #${studyId}.` };
		});
	}

	withdraw(studyId: bigint): Promise<boolean> {
		return this.#ui.run('Confirm the withdrawal in your wallet…', async () => {
			const { withdraw } = await useCases();
			await withdraw(await this.#research(), studyId);
			await this.#refresh();
			this.#ui.notice = {
				kind: 'success',
				text: `You withdrew from study #${studyId}. Nothing more will be released to it; what was already released stays with the researcher.`
			};
		});
	}
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
