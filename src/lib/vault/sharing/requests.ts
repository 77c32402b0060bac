/**
 * Access requests: a registered provider asks a patient for categories, with
 * a reason; both are sealed to the patient's inbox key, the chain sees only
 * who asked whom. The patient approves (grant and answer in one transaction) or declines.
 */
import { isAddress as isAddr } from '../../types';
import { openSealed, sealTo } from '../../crypto/seal';
import { utf8 } from '../../crypto/encoding';
import { isCategory, type Category } from '../../records/model';
import type { OpenVault } from '../deps';
import type { AccessRequestState } from '../grantPorts';
import type { Hex } from '../ports';
import type { ProviderDirectory } from '../providerPorts';
import { PatientNotRegisteredError } from '../proposals/errors';
import { ShareInputError } from './errors';
import { makeProviderGrant, type SharingDeps } from './grants';

/** Longest reason, in characters; the sealed request must stay under the contract's 2,048 bytes. */
export const REQUEST_REASON_MAX = 1000;

interface RequestPayload {
	v: 1;
	requester: Hex;
	patient: Hex;
	reason: string;
	categories: Category[];
}


/**
 * Sends a sealed access request from the connected provider to `patient`.
 * Resolves with the request id.
 *
 * @example
 * const id = await requestAccess(deps, providerVault, { patient, reason: 'Pre-op review', categories: ['medications', 'allergies'] })
 */
export async function requestAccess(
	deps: Pick<SharingDeps, 'signer' | 'chain' | 'grants'>,
	_providerVault: OpenVault,
	p: { patient: Hex; reason: string; categories: Category[] }
): Promise<bigint> {
	const patient = typeof p.patient === 'string' ? p.patient.trim() : '';
	if (!isAddr(patient)) throw new ShareInputError(`"${patient.slice(0, 60)}" is not an account address.`);
	const reason = p.reason.trim();
	if (reason === '') throw new ShareInputError('Say why you need access; the patient sees it.');
	if (reason.length > REQUEST_REASON_MAX) throw new ShareInputError(`The reason is too long (at most ${REQUEST_REASON_MAX} characters).`);
	const categories = [...new Set(p.categories)];
	if (categories.length === 0) throw new ShareInputError('Choose at least one category to ask for.');
	for (const c of categories) if (!isCategory(c)) throw new ShareInputError(`"${String(c)}" is not a category.`);
	const keys = await deps.chain.readKeys(patient);
	if (!keys) throw new PatientNotRegisteredError(patient);
	const payload: RequestPayload = { v: 1, requester: deps.signer.address, patient, reason, categories };
	const sealedRequest = await sealTo(keys.inbox, utf8(JSON.stringify(payload)));
	// NotARegisteredProviderError / PatientNotRegisteredError come from the chain adapter.
	return (await deps.grants.requestAccess({ patient, sealedRequest })).id;
}

export type AccessRequestItem = AccessRequestState & {
	reason?: string;
	categories?: Category[];
	/** Registered profile; the name is provider-supplied text: render as text. */
	provider?: { name?: string; registered?: boolean };
	/** Why the request could not be read; absent when it opened. */
	problem?: string;
};

/** The patient's access requests, newest first, each opened (reason and categories) or flagged with the reason it could not be. */
export async function listAccessRequests(
	deps: Pick<SharingDeps, 'grants'> & { providers?: Pick<ProviderDirectory, 'readProvider'> },
	vault: OpenVault,
	options: { /** Senders the patient blocked: their requests are dropped before anything is read or opened. */ skip?: (sender: Hex) => boolean } = {}
): Promise<AccessRequestItem[]> {
	const skip = options.skip;
	const states = (await deps.grants.listRequestsForPatient(vault.address)).filter((s) => !skip?.(s.requester));
	const out: AccessRequestItem[] = [];
	for (const s of states) {
		const item: AccessRequestItem = { ...s };
		if (deps.providers) {
			const profile = await deps.providers.readProvider(s.requester);
			item.provider = profile ? { name: profile.name, registered: true } : { registered: false };
		}
		try {
			const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await openSealed(vault.keys.inbox, s.sealedRequest))) as Partial<RequestPayload>;
			if (v?.v !== 1 || typeof v.reason !== 'string' || !Array.isArray(v.categories) || !v.categories.every(isCategory)) {
				item.problem = 'its content is malformed.';
			} else if (v.requester?.toLowerCase() !== s.requester.toLowerCase() || v.patient?.toLowerCase() !== vault.address.toLowerCase()) {
				item.problem = 'it names a different sender or patient than the blockchain does.';
			} else {
				item.reason = v.reason.slice(0, REQUEST_REASON_MAX);
				item.categories = [...new Set(v.categories)];
			}
		} catch {
			item.problem = 'it was not sealed to your inbox key, or was altered on the way.';
		}
		out.push(item);
	}
	return out.reverse();
}

/**
 * Approves (the grant for the requested categories, to the requester, and the
 * answer: ONE approveRequest transaction, whose grantee the contract takes
 * from the request itself) or declines (one). Returns the vault, with the new
 * grant when approved.
 */
export async function answerAccessRequest(
	deps: SharingDeps,
	vault: OpenVault,
	request: AccessRequestState & { categories?: Category[]; problem?: string },
	p: { approve: boolean; expiresAt?: number; categories?: Category[] }
): Promise<OpenVault> {
	if (request.status !== 'pending') throw new ShareInputError(`This request was already ${request.status}.`);
	if (request.patient.toLowerCase() !== vault.address.toLowerCase()) throw new ShareInputError('This request was sent to another account; only that account can answer it.');
	if (!p.approve) {
		await deps.grants.declineRequest({ id: request.id });
		return vault;
	}
	const categories = p.categories ?? request.categories;
	if (request.problem || !categories?.length) throw new ShareInputError('This request cannot be approved as it is; decline it, or share from the Share page instead.');
	const { vault: next } = await makeProviderGrant(
		deps,
		vault,
		{ grantee: request.requester, scope: { categories }, expiresAt: p.expiresAt ?? 0 },
		async (tx) => (await deps.grants.approveRequest({ id: request.id, ...tx })).grantId
	);
	return next;
}

/** The outcome of a provider's own requests, newest first. */
export async function listMyAccessRequests(deps: Pick<SharingDeps, 'grants' | 'signer'>): Promise<AccessRequestState[]> {
	return (await deps.grants.listRequestsByRequester(deps.signer.address)).reverse();
}
