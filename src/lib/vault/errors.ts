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
