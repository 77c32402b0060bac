/**
 * Opens a SMART Health Link with flag U: GET the url (with the `recipient`
 * query parameter the IG requires), bounded in size and time, decrypt the
 * compact JWE with the link's key, and read the FHIR content with the app's
 * own checks (records/fhir/validate.ts). What comes out is shown by the same
 * safe viewers as everything else.
 */
import { base64url, compactDecrypt, decodeProtectedHeader } from 'jose';
import { readFhirContent, type FhirResource } from '../../records/fhir/validate';
import { readAtMost } from '../../crypto/encoding';
import { ShlContentError, ShlDecryptionFailedError, ShlUnavailableError, ShlUnsupportedError } from './errors';
import { checkOpenable, decodeShl } from './payload';
import { SHL_CONTENT_TYPE } from './make';

const MiB = 1024 * 1024;
/** Largest file fetched for a link: far above anything one link holds. */
export const SHL_FETCH_MAX_BYTES = 16 * MiB;
export const SHL_FETCH_TIMEOUT_MS = 30_000;
/** Who this viewer says it is (the IG's required `recipient`): shown to the sharer by servers that log it. */
export const SHL_RECIPIENT = 'Carevault viewer';

export interface OpenShlDeps {
	/** The browser's fetch (or node's, in tests). */
	fetch: typeof globalThis.fetch;
}

export interface OpenShlOptions {
	/** Unix seconds. */
	now?: number;
	/** Origins this page may fetch from (its CSP's connect-src); absent: any. */
	allowedOrigins?: readonly string[];
	maxBytes?: number;
	timeoutMs?: number;
	signal?: AbortSignal;
}

export interface OpenedShl {
	label?: string;
	exp?: number;
	/** Where the file came from (the url's host). */
	host: string;
	resources: FhirResource[];
	/** Parts of the content that could not be read (shown, never rendered). */
	problems: string[];
}

const JWE_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Decodes, checks, fetches, decrypts and reads a link. Throws
 * ShlInvalidError, ShlExpiredError, ShlUnsupportedError, ShlUnavailableError,
 * ShlDecryptionFailedError or ShlContentError, or the caller's abort reason.
 */
export async function openShl(deps: OpenShlDeps, text: string, options: OpenShlOptions = {}): Promise<OpenedShl> {
	const payload = decodeShl(text);
	const url = checkOpenable(payload, options.now ?? Math.floor(Date.now() / 1000));
	if (options.allowedOrigins && !options.allowedOrigins.includes(url.origin))
		throw new ShlUnavailableError(
			`it is served from ${url.origin}, which this Carevault site may not contact (its security policy allows only its own IPFS gateways). Open the link in the viewer of the service that made it.`
		);
	url.searchParams.set('recipient', SHL_RECIPIENT);
	const body = await fetchBounded(deps, url, options);
	const jwe = new TextDecoder().decode(body).trim();
	if (!JWE_COMPACT.test(jwe)) throw new ShlUnavailableError(`${url.host} did not answer with an encrypted file.`);

	let header: ReturnType<typeof decodeProtectedHeader>;
	try {
		header = decodeProtectedHeader(jwe);
	} catch (cause) {
		throw new ShlDecryptionFailedError({ cause });
	}
	if (header.zip !== undefined) throw new ShlUnsupportedError('is compressed (zip), which this viewer cannot read yet.');
	if (header.cty !== SHL_CONTENT_TYPE) throw new ShlUnsupportedError(`holds ${typeof header.cty === 'string' ? `“${header.cty.slice(0, 60)}”` : 'untyped'} content, not FHIR data.`);

	let plaintext: Uint8Array;
	try {
		({ plaintext } = await compactDecrypt(jwe, base64url.decode(payload.key), {
			keyManagementAlgorithms: ['dir'],
			contentEncryptionAlgorithms: ['A256GCM']
		}));
	} catch (cause) {
		throw new ShlDecryptionFailedError({ cause });
	}
	let content: string;
	try {
		content = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
	} catch (cause) {
		throw new ShlContentError('it is not UTF-8 text.', { cause });
	}
	const read = readFhirContent(content);
	if (read.resources.length === 0) throw new ShlContentError(read.problems[0] ?? 'it holds no FHIR resource.');
	return {
		...(payload.label !== undefined ? { label: payload.label } : {}),
		...(payload.exp !== undefined ? { exp: payload.exp } : {}),
		host: url.host,
		resources: read.resources,
		problems: read.problems
	};
}

async function fetchBounded(deps: OpenShlDeps, url: URL, options: OpenShlOptions): Promise<Uint8Array> {
	const maxBytes = options.maxBytes ?? SHL_FETCH_MAX_BYTES;
	const timeout = AbortSignal.timeout(options.timeoutMs ?? SHL_FETCH_TIMEOUT_MS);
	const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
	const tooLarge = () => new ShlUnavailableError(`${url.host} sent more than ${maxBytes / MiB} MiB, more than any link holds.`);
	try {
		const response = await deps.fetch(url, { method: 'GET', signal, credentials: 'omit', redirect: 'follow', referrerPolicy: 'no-referrer' });
		if (response.status === 404 || response.status === 410)
			throw new ShlUnavailableError(`${url.host} no longer has it (it may have expired or been withdrawn). Ask for a new link.`);
		if (!response.ok) throw new ShlUnavailableError(`${url.host} answered ${response.status}. Try again later.`);
		const body = await readAtMost(response, maxBytes);
		if (!body) throw tooLarge();
		return body;
	} catch (err) {
		if (options.signal?.aborted) throw options.signal.reason ?? err;
		if (err instanceof ShlUnavailableError) throw err;
		if (timeout.aborted) throw new ShlUnavailableError(`${url.host} did not answer within ${Math.round((options.timeoutMs ?? SHL_FETCH_TIMEOUT_MS) / 1000)} seconds. Try again later.`, { cause: err });
		throw new ShlUnavailableError(`${url.host} could not be reached. Check your connection and try again.`, { cause: err });
	}
}
