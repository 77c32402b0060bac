import { CATEGORIES, type Category } from '../records/model';
import type { ExportNote } from '../records/fhir/export';
import type { UnreadableRecord } from '../vault/fhirRecords';
import type { ExportKind, FhirExport } from '../vault/exportFhir';
import { messageOf } from '../errors';

/** What the export page reaches in the vault (the app passes VaultState.exportFhir). */
export interface ExportPorts {
	exportFhir(kind: ExportKind, categories: readonly Category[], onProgress: (done: number, total: number) => void): Promise<FhirExport>;
}

/** "Export": a FHIR R4 file made in this browser, with what was left out or adjusted, ready to save. */
export class ExportState {
	#ports: ExportPorts;
	scope = $state<Category[]>([...CATEGORIES]);
	#progress = $state<{ done: number; total: number } | null>(null);
	#error = $state<string | null>(null);
	#download = $state<{ url: string; name: string; count: number } | null>(null);
	#unreadable = $state.raw<UnreadableRecord[]>([]);
	#leftOut = $state.raw<ExportNote[]>([]);
	#repaired = $state.raw<ExportNote[]>([]);

	constructor(ports: ExportPorts) {
		this.#ports = ports;
	}

	get progress() { return this.#progress; }
	get error() { return this.#error; }
	/** The file to save (an object URL), once made. */
	get download() { return this.#download; }
	get unreadable() { return this.#unreadable; }
	get leftOut() { return this.#leftOut; }
	get repaired() { return this.#repaired; }

	async run(kind: ExportKind): Promise<boolean> {
		this.#error = null;
		if (this.#download) URL.revokeObjectURL(this.#download.url);
		this.#download = null;
		this.#unreadable = [];
		this.#leftOut = [];
		this.#repaired = [];
		try {
			this.#progress = { done: 0, total: 1 };
			const made = await this.#ports.exportFhir(kind, this.scope, (done, total) => (this.#progress = { done, total }));
			this.#unreadable = made.unreadable;
			this.#leftOut = made.leftOut;
			this.#repaired = made.repaired;
			const blob = new Blob([JSON.stringify(made.json, null, 2)], { type: 'application/fhir+json' });
			this.#download = { url: URL.createObjectURL(blob), name: made.fileName, count: made.entries };
			return true;
		} catch (err) {
			this.#error = messageOf(err);
			return false;
		} finally {
			this.#progress = null;
		}
	}
}
