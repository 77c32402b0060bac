import { CarevaultError } from '../../errors';

/** The endpoint answered 401 or 403. */
export class RemoteCopyTokenRefusedError extends CarevaultError {
	override name = 'RemoteCopyTokenRefusedError' as const;
	constructor(endpoint: string, options: { cause?: unknown; details?: string } = {}) {
		super(`The pinning service at ${endpoint} refused the access token. Check the token (copy it again from the service's API keys page) and save it again.`, options);
	}
}

/** Nothing answered at the endpoint (network down, wrong address, or the site's security policy does not allow it). */
export class RemoteCopyUnreachableError extends CarevaultError {
	override name = 'RemoteCopyUnreachableError' as const;
	constructor(endpoint: string, options: { cause?: unknown; details?: string } = {}) {
		super(
			`The pinning service at ${endpoint} did not answer. Check the address and your connection; a service this site does not list may also be blocked by the site's security policy.`,
			options
		);
	}
}

/** The service answered, but refused or failed the pin (its own reason in `details`). */
export class RemoteCopyFailedError extends CarevaultError {
	override name = 'RemoteCopyFailedError' as const;
	constructor(endpoint: string, reason: string, options: { cause?: unknown } = {}) {
		super(`The pinning service at ${endpoint} could not keep a copy: ${reason}. Retry later, or check your plan with the service.`, { ...options, details: reason });
	}
}

/** The service kept saying "queued" or "pinning" past the time limit: it could not fetch the blocks. */
export class RemoteCopyTimeoutError extends CarevaultError {
	override name = 'RemoteCopyTimeoutError' as const;
	constructor(endpoint: string, options: { cause?: unknown } = {}) {
		super(`The pinning service at ${endpoint} did not finish copying in time: it may not be able to reach this browser. Keep this page open and retry.`, options);
	}
}

/** What the patient typed is not a usable remote copy. */
export class RemoteCopyInputError extends CarevaultError {
	override name = 'RemoteCopyInputError' as const;
	constructor(problem: string) {
		super(problem);
	}
}

/** The sealed list of remote copies on this device cannot be opened with this vault's keys. */
export class RemoteCopySettingsCorruptError extends CarevaultError {
	override name = 'RemoteCopySettingsCorruptError' as const;
	constructor(options: { cause?: unknown } = {}) {
		super('The saved list of remote copies on this device cannot be read with this vault’s keys. Add your remote copies again.', options);
	}
}

/** This page has no IPFS node to copy from (it should not happen in a browser tab). */
export class RemoteCopyUnavailableError extends CarevaultError {
	override name = 'RemoteCopyUnavailableError' as const;
	constructor() {
		super('Remote copies are not available on this page: it runs no IPFS node. Reload the page and try again.');
	}
}
