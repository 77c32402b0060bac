import { expect } from 'vitest';
import { BaseError, ContractFunctionRevertedError, keccak256, slice, toHex } from 'viem';

/**
 * Asserts `promise` rejects with the contract's custom error `signature`
 * (e.g. 'KeyRegistryInvalidUmbralKeyLength(uint256)'): by selector, by decoded
 * name and, when given, by decoded arguments.
 */
export async function expectRevert(promise: Promise<unknown>, signature: string, args?: readonly unknown[]): Promise<void> {
	const err = await promise.then(
		() => new Error(`expected a revert with ${signature}, but the call succeeded`),
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(BaseError);
	const reverted = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
	expect(reverted, String(err)).toBeInstanceOf(ContractFunctionRevertedError);
	const r = reverted as ContractFunctionRevertedError;
	expect(r.raw && slice(r.raw, 0, 4)).toBe(slice(keccak256(toHex(signature)), 0, 4));
	expect(r.data?.errorName).toBe(signature.slice(0, signature.indexOf('(')));
	if (args) expect(r.data?.args ?? []).toEqual(args);
}
