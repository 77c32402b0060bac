import { parseFhirResource } from '../records/fhirResource';
import type { Category } from '../records/model';
import type { NewRecord } from '../vault/addRecords';
import { messageOf } from '../errors';
import { fileInput, textInput } from './fileInput';

/**
 * A record being written in a form (the patient's "Add record", a provider's
 * proposal): files or one pasted FHIR resource, with title, category and date.
 * A recognised FHIR resource fills in its category, title and date.
 * It registers no effect, so the app object can own one for as long as the
 * vault stays unlocked: a form in progress survives going to another page.
 */
export class RecordDraft {
	source = $state<'files' | 'fhir'>('files');
	files = $state<File[]>([]);
	#fhirText = $state('');
	title = $state('');
	category = $state<Category>('other');
	date = $state('');
	error = $state<string | null>(null);

	readonly fhir = $derived.by(() => {
		if (this.source !== 'fhir' || this.#fhirText.trim() === '') return null;
		try {
			return { ok: parseFhirResource(this.#fhirText) } as const;
		} catch (err) {
			return { error: messageOf(err) } as const;
		}
	});

	readonly #defaults: { category: Category; date: string };

	constructor(options: { category: Category; date: string }) {
		this.#defaults = options;
		this.category = options.category;
		this.date = options.date;
	}

	get fhirText(): string {
		return this.#fhirText;
	}

	/** A recognised FHIR resource fills in the category, the date and an empty title. */
	set fhirText(text: string) {
		this.#fhirText = text;
		const parsed = this.fhir && 'ok' in this.fhir ? this.fhir.ok : null;
		if (!parsed) return;
		this.category = parsed.category;
		if (!this.title) this.title = parsed.title;
		if (parsed.date) this.date = parsed.date;
	}

	pick(event: Event): void {
		this.files = Array.from((event.currentTarget as HTMLInputElement).files ?? []);
		if (!this.title && this.files.length > 0)
			this.title = this.files.length === 1 ? this.files[0].name : `${this.files.length} files`;
	}

	/** The record to add or propose, or null with `error` set when the form is not valid. */
	build(): NewRecord | null {
		this.error = null;
		const { category, date } = this;
		if (this.source === 'files') {
			if (this.files.length === 0) return this.#fail('Choose at least one file.');
			const empty = this.files.find((f) => f.size === 0);
			if (empty) return this.#fail(`"${empty.name}" is empty (0 bytes), so there is nothing to store. Choose another file.`);
			return { title: this.title.trim() || this.files[0].name, category, date, kind: 'file', files: this.files.map(fileInput) };
		}
		if (!this.fhir) return this.#fail('Paste a FHIR R4 resource (JSON).');
		if ('error' in this.fhir) return this.#fail(this.fhir.error ?? 'Not a FHIR resource.');
		const parsed = this.fhir.ok;
		return {
			title: this.title.trim() || parsed.title,
			category,
			date,
			kind: 'fhir',
			resourceType: parsed.resourceType,
			files: [textInput(`${parsed.resourceType}.json`, 'application/fhir+json', JSON.stringify(parsed.resource, null, 2))]
		};
	}

	/** Back to an empty form (after the record was added or proposed). */
	reset(): void {
		this.source = 'files';
		this.title = '';
		this.files = [];
		this.#fhirText = '';
		this.error = null;
		this.category = this.#defaults.category;
		this.date = this.#defaults.date;
	}

	#fail(message: string): null {
		this.error = message;
		return null;
	}
}
