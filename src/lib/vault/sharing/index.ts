/** Consent and sharing use cases (pure: no svelte, helia or viem transport). */
export * from './errors';
export { type GrantBundle, type SharedAttachment, type SharedRecord, recordsInScope, scopeCategories } from './bundle';
export { LINK_ROUTE, decodeLinkPayload, type LinkPayload } from './link';
export {
	createShareLink,
	extendGrants,
	grantAccess,
	listMyGrants,
	revokeAccess,
	shareNewRecords,
	showShareLink,
	syncGrants,
	type GrantAccessParameters,
	type GrantRecord,
	type GrantScope,
	type MyGrant,
	type SharingDeps
} from './grants';
export {
	BUNDLE_CONCURRENCY,
	listSharedWithMe,
	openShareLink,
	openSharedAttachment,
	openSharedGrant,
	openSharedState,
	openSharedWithMe,
	readSharedAttachment,
	refusalOf,
	type OpenedShare,
	type SharedFromPatient
} from './shared';
export { grantStatusOf, GRANT_STATUS_TEXT, type GrantStatus } from './status';
export { answerAccessRequest, listAccessRequests, listMyAccessRequests, requestAccess, REQUEST_REASON_MAX, type AccessRequestItem } from './requests';
