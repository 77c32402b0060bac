import type { AppConfig } from '../config';
import { SharedGatewayOriginError } from './errors';

/** The parts of the page's address the check looks at (window.location has them). */
export interface PageAddress {
	host: string;
	pathname: string;
}

export type OriginCheckResult = { ok: true } | { ok: false; error: SharedGatewayOriginError };

/**
 * Whether a vault may be created or unlocked on this page. On a path gateway
 * (`https://gateway.example/ipfs/<cid>/`, or `/ipns/<name>/`) every site the
 * gateway serves shares one origin, hence one IndexedDB and one wallet
 * permission: another site there could read the vault's local data and ask
 * for the unlock signature. Such a page is refused unless its host is the
 * site's own configured host (`config.appUri`). Subdomain gateways and DNSLink
 * names give each site its own origin and pass.
 *
 * @example
 * originCheck({ location: { host: 'ipfs.io', pathname: '/ipfs/bafy.../' }, config }) // { ok: false, error }
 */
export function originCheck({ location, config }: { location: PageAddress; config: Pick<AppConfig, 'appUri'> }): OriginCheckResult {
	const host = location.host.toLowerCase();
	const path = location.pathname;
	if (!/^\/(ipfs|ipns)\//i.test(path)) return { ok: true };
	let appHost: string | null = null;
	try {
		appHost = new URL(config.appUri).host.toLowerCase();
	} catch {
		// An unusable appUri names no host, so no gateway page can be the site's own.
	}
	if (appHost !== null && host === appHost) return { ok: true };
	const [, kind, name] = path.split('/');
	const short = name && name.length > 16 ? `${name.slice(0, 12)}…` : (name ?? '');
	return { ok: false, error: new SharedGatewayOriginError(`${host}/${kind}/${short}`, config.appUri) };
}
