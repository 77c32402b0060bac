import { CarevaultError } from '../errors';

export class VaultNotFoundError extends CarevaultError {
	override name = 'VaultNotFoundError' as const;
	constructor(address: string) {
		super(`No vault exists yet for ${address}. Create one, or connect the wallet you used before.`);
	}
}

export class VaultExistsError extends CarevaultError {
	override name = 'VaultExistsError' as const;
	constructor(address: string) {
		super(`${address} already has a vault. Unlock it instead of creating a new one.`);
	}
}

export class SignatureInvalidError extends CarevaultError {
	override name = 'SignatureInvalidError' as const;
	constructor() {
		super('The wallet signature does not belong to the connected account, so it cannot unlock the vault. Reconnect your wallet and try again.');
	}
}

export class NoSlotForMethodError extends CarevaultError {
	override name = 'NoSlotForMethodError' as const;
	constructor(method: string, hint: string) {
		super(`This vault cannot be unlocked with ${method} here. ${hint}`);
	}
}

export class VaultLockedError extends CarevaultError {
	override name = 'VaultLockedError' as const;
	constructor() {
		super('The vault is locked. Unlock it to continue.');
	}
}

export class RecordNotFoundError extends CarevaultError {
	override name = 'RecordNotFoundError' as const;
	constructor(id: string) {
		super(`There is no record "${id}" in this vault.`);
	}
}

/**
 * The page is on a shared IPFS path gateway (https://gateway/ipfs/<cid>/...):
 * every site that gateway serves runs in one browser origin, so another site
 * there could read this vault's local data and ask the wallet for its unlock
 * signature.
 */
export class SharedGatewayOriginError extends CarevaultError {
	override name = 'SharedGatewayOriginError' as const;
	constructor(page: string, appUri: string) {
		super(
			`Carevault will not create or unlock a vault at this address (${page}). It is a shared IPFS gateway: every site the gateway serves shares this one browser origin, so another site opened there could read your vault's stored data and ask your wallet for its unlock signature. Open Carevault at its own address instead: ${appUri}, or the site's subdomain gateway address (https://<cid>.ipfs.<gateway>/) or its DNSLink name. Share links still open here.`
		);
	}
}

/** A passphrase zxcvbn scores below 3 ("safely unguessable"). */
export class WeakPassphraseError extends CarevaultError {
	override name = 'WeakPassphraseError' as const;
	readonly reasons: string[];
	constructor(reasons: string[]) {
		const why = reasons.length > 0 ? reasons.join(' ') : 'It would be guessed quickly.';
		super(`This passphrase is too easy to guess. ${why} Use several unrelated words, or a longer phrase only you would think of.`);
		this.reasons = reasons;
	}
}
