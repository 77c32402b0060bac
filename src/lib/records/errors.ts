import { CarevaultError } from '../errors';

export class EmptyFileError extends CarevaultError {
	override name = 'EmptyFileError' as const;
	constructor(fileName: string) {
		super(`"${fileName}" is empty (0 bytes), so there is nothing to store. Choose the file again or pick another one.`);
	}
}

export class InvalidFhirError extends CarevaultError {
	override name = 'InvalidFhirError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This is not a FHIR R4 resource: ${problem}`, options);
	}
}

export class IndexCorruptError extends CarevaultError {
	override name = 'IndexCorruptError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('The record list of this vault could not be read; it may be damaged. Your records are unchanged.', options);
	}
}
