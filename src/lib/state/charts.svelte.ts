import type { VaultRecord } from '../records/model';
import { observationCharts, observationSourceRecords, type ObservationChart, type SkippedObservation } from '../records/observations';
import type { FhirRecordsContent, UnreadableRecord } from '../vault/fhirRecords';
import { messageOf } from '../errors';

/** What the charts page needs from the vault: plain functions, so a test or the app object can pass its own. */
export interface ChartsPorts {
	/** The vault's record index as it is now. */
	records: () => readonly VaultRecord[];
	/** Decrypts and reads the FHIR resources of these records. */
	fhirContent: (records: readonly VaultRecord[], onProgress?: (done: number, total: number) => void) => Promise<FhirRecordsContent>;
}

export type ChartsStatus = 'idle' | 'loading' | 'ready' | 'error';

/** "Results over time": the vault's numeric Observations as charts, read when the page opens or the records change. */
export class ChartsState {
	#ports: ChartsPorts;
	#status = $state<ChartsStatus>('idle');
	#charts = $state.raw<ObservationChart[]>([]);
	#skipped = $state.raw<SkippedObservation[]>([]);
	#unreadable = $state.raw<UnreadableRecord[]>([]);
	#error = $state<string | null>(null);
	#progress = $state<{ done: number; total: number } | null>(null);
	// A newer load (records changed meanwhile) wins over an older one that finishes later.
	#generation = 0;

	constructor(ports: ChartsPorts) {
		this.#ports = ports;
	}

	get status() { return this.#status; }
	get charts() { return this.#charts; }
	get skipped() { return this.#skipped; }
	get unreadable() { return this.#unreadable; }
	get error() { return this.#error; }
	/** Records decrypted so far, while loading. */
	get progress() { return this.#progress; }

	async load(): Promise<void> {
		const generation = ++this.#generation;
		this.#status = 'loading';
		this.#error = null;
		try {
			const records = observationSourceRecords(this.#ports.records());
			const content = await this.#ports.fhirContent(records, (done, total) => {
				if (generation === this.#generation) this.#progress = { done, total };
			});
			if (generation !== this.#generation) return;
			const { charts, skipped } = observationCharts(content.resources);
			this.#charts = charts;
			this.#skipped = skipped;
			this.#unreadable = content.unreadable;
			this.#status = 'ready';
		} catch (err) {
			if (generation !== this.#generation) return;
			this.#error = messageOf(err);
			this.#status = 'error';
		} finally {
			if (generation === this.#generation) this.#progress = null;
		}
	}
}
