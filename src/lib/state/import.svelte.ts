import type { NewRecord } from '../vault/addRecords';
import type { FhirRecordsContent } from '../vault/fhirRecords';
import { messageOf } from '../errors';
import {
	groupForVault,
	listPatients,
	parseFhirFilesAsync,
	selectPatient,
	type ImportSource,
	type PatientListing
} from '../records/fhir/import';
import { categoryOfResourceType } from '../records/fhirResource';
import type { Category } from '../records/model';
import { planAgainst, recordsForPlan, type VaultImportPlan } from '../vault/importPlan';

/** What the import page reaches in the vault (the app passes its VaultState's methods). */
export interface ImportPorts {
	fhirContent(records: undefined, onProgress: (done: number, total: number) => void): Promise<FhirRecordsContent>;
	add(records: NewRecord[]): Promise<boolean>;
}

type Progress = { done: number; total: number };

/**
 * "Import FHIR": files read and parsed in this browser, one patient chosen,
 * compared with what the vault already holds (new, updated, already present),
 * then only what is new or updated encrypted and saved in one transaction.
 */
export class ImportState {
	#ports: ImportPorts;
	#source = $state.raw<ImportSource | null>(null);
	#patients = $state.raw<PatientListing[]>([]);
	#patientId = $state('');
	#error = $state<string | null>(null);
	#reading = $state<Progress | null>(null);
	#plan = $state.raw<VaultImportPlan | null>(null);
	#planning = $state<Progress | null>(null);
	#planError = $state<string | null>(null);
	// A newer choice wins over a comparison still running for an older one.
	#generation = 0;

	constructor(ports: ImportPorts) {
		this.#ports = ports;
	}

	get source() { return this.#source; }
	get patients() { return this.#patients; }
	get patientId() { return this.#patientId; }
	get error() { return this.#error; }
	get reading() { return this.#reading; }
	get plan() { return this.#plan; }
	get planning() { return this.#planning; }
	get planError() { return this.#planError; }

	/** The chosen patient's resources grouped for the vault, or why they cannot be. */
	readonly chosen = $derived.by(() => {
		if (!this.#source || !this.#patientId) return null;
		try {
			const patient = selectPatient(this.#source, this.#patientId);
			return { patient, groups: groupForVault(patient) };
		} catch (err) {
			return { error: messageOf(err) };
		}
	});

	/** Per category: resources in the files, and how many are new, updated, already present (null while comparing). */
	readonly perCategory = $derived.by(() => {
		const chosen = this.chosen;
		if (!chosen?.groups) return [];
		const plan = this.#plan;
		const count = (list: readonly { resourceType: string }[], category: Category) => list.filter((r) => categoryOfResourceType(r.resourceType) === category).length;
		return chosen.groups.map((g) => ({
			category: g.category,
			total: g.resources.length,
			fresh: plan ? count(plan.fresh, g.category) : null,
			updated: plan ? count(plan.updated.map((u) => u.resource), g.category) : null,
			present: plan ? count(plan.present.map((p) => p.resource), g.category) : null
		}));
	});

	/** How many resources an import would store. */
	get toStore(): number {
		return this.#plan ? this.#plan.fresh.length + this.#plan.updated.length : 0;
	}

	/** Reads and parses the chosen files (with progress); a single patient is chosen at once. */
	async read(files: ReadonlyArray<{ name: string; size: number; text(): Promise<string> }>): Promise<void> {
		this.#source = null;
		this.#patients = [];
		this.#error = null;
		this.choose('');
		if (files.length === 0) return;
		try {
			this.#reading = { done: 0, total: files.reduce((n, f) => n + f.size, 0) };
			const texts = [];
			for (const f of files) texts.push({ name: f.name, text: await f.text() });
			this.#source = await parseFhirFilesAsync(texts, { onProgress: (done, total) => (this.#reading = { done, total }) });
			this.#patients = listPatients(this.#source);
			if (this.#patients.length === 0) this.#error = 'These files hold no patient. Choose a FHIR Bundle or NDJSON export with a Patient.';
			if (this.#patients.length === 1) this.choose(this.#patients[0].id);
		} catch (err) {
			this.#error = messageOf(err);
		} finally {
			this.#reading = null;
		}
	}

	/** Chooses whose records to import, and compares them with what the vault holds (decrypted once per unlock). */
	choose(patientId: string): void {
		this.#patientId = patientId;
		const generation = ++this.#generation;
		this.#plan = null;
		this.#planError = null;
		this.#planning = null;
		const chosen = this.chosen;
		if (!chosen?.patient) return;
		const resources = chosen.patient.resources;
		this.#planning = { done: 0, total: 1 };
		const current = () => generation === this.#generation;
		this.#ports
			.fhirContent(undefined, (done, total) => {
				if (current()) this.#planning = { done, total };
			})
			.then((content) => {
				if (current()) this.#plan = planAgainst(content, resources);
			})
			.catch((err) => {
				if (current()) this.#planError = messageOf(err);
			})
			.finally(() => {
				if (current()) this.#planning = null;
			});
	}

	/** Encrypts and saves what is new or updated; true when it landed. */
	async run(today = new Date().toISOString().slice(0, 10)): Promise<boolean> {
		const plan = this.#plan;
		const source = this.#source;
		if (!plan || !source || this.toStore === 0) return false;
		const label = source.files.length === 1 ? source.files[0] : `${source.files.length} files`;
		return this.#ports.add(recordsForPlan(plan, `import: ${label}`, today));
	}
}
