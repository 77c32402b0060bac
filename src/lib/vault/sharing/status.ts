import type { GrantState } from '../grantPorts';

export type GrantStatus = 'active' | 'expired' | 'revoked' | 'unknown';

/** What a grant looks like now: the chain decides, the local index only remembers the scope. */
export function grantStatusOf(state: GrantState | null | undefined): GrantStatus {
	if (!state) return 'unknown';
	if (state.revoked) return 'revoked';
	// Not revoked and not active: the chain's clock passed the expiry.
	return state.active ? 'active' : 'expired';
}

export const GRANT_STATUS_TEXT: Record<GrantStatus, string> = {
	active: 'Active',
	expired: 'Expired',
	revoked: 'Revoked',
	unknown: 'Not found on the chain'
};
