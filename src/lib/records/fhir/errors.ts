import { CarevaultError } from '../../errors';

/** Where in the input a resource (or a problem) was found. */
export interface SourceLocation {
	file: string;
	/** 1-based line, for NDJSON files and JSON syntax errors. */
	line?: number;
	/** 1-based position in a Bundle's `entry` array. */
	entry?: number;
}

/** "Condition.ndjson line 12", "bundle.json entry 3", "patient.json". */
export function describeLocation(at: SourceLocation): string {
	if (at.line !== undefined) return `${at.file} line ${at.line}`;
	if (at.entry !== undefined) return `${at.file} entry ${at.entry}`;
	return at.file;
}

/** The input cannot be read as FHIR at all; nothing of it was imported. */
export class FhirImportError extends CarevaultError {
	override name = 'FhirImportError' as const;
	readonly file: string;
	readonly line?: number;
	readonly entry?: number;

	constructor(at: SourceLocation, problem: string, options: { cause?: unknown } = {}) {
		super(
			`${describeLocation(at)}: ${problem} Nothing was imported; fix or remove this file and try again.`,
			options
		);
		this.file = at.file;
		this.line = at.line;
		this.entry = at.entry;
	}
}

export class PatientNotFoundError extends CarevaultError {
	override name = 'PatientNotFoundError' as const;
	readonly patientId: string;
	readonly available: string[];

	constructor(patientId: string, available: string[]) {
		super(
			available.length === 0
				? `No patient "${patientId}" is in these files; they hold no patient at all. Choose files that include a Patient resource.`
				: `No patient "${patientId}" is in these files. The patients found are: ${available.join(', ')}.`
		);
		this.patientId = patientId;
		this.available = available;
	}
}
