import { CarevaultError } from '../../errors';

/** The site names no contracts to read an audit trail from. */
export class AuditUnavailableError extends CarevaultError {
	override name = 'AuditUnavailableError' as const;
	constructor() {
		super('This site has no audit trail to read (no contracts configured). Check the site configuration.');
	}
}
