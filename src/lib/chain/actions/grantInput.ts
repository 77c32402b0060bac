import { isAddress, isHex, zeroHash, type Hex } from 'viem';
import { InvalidChainInputError } from '../errors';

// The contract refuses the same values; checking here names the bug before a wallet prompt.
/** Longest sealed grant pointer the Grants contract accepts, in bytes. */
export const GRANT_POINTER_MAX_BYTES = 1024;
/** Longest sealed access request the Grants contract accepts, in bytes. */
export const ACCESS_REQUEST_MAX_BYTES = 2048;
const UINT64_MAX = 2n ** 64n - 1n;

export function checkId(what: string, id: unknown): asserts id is bigint {
	if (typeof id !== 'bigint' || id < 0n) throw new InvalidChainInputError(`expected ${what} id (bigint >= 0), got ${String(id)}`);
}

export function checkAddress(what: string, value: unknown): asserts value is Hex {
	if (typeof value !== 'string' || !isAddress(value, { strict: false }))
		throw new InvalidChainInputError(`expected the ${what} as a 0x address of 20 bytes, got ${String(value).slice(0, 50)}`);
}

export function checkSealed(what: string, bytes: unknown, maxBytes: number): asserts bytes is Uint8Array {
	if (!(bytes instanceof Uint8Array)) throw new InvalidChainInputError(`expected the ${what} as bytes, got ${typeof bytes}`);
	if (bytes.length === 0 || bytes.length > maxBytes)
		throw new InvalidChainInputError(`expected the ${what} to be 1 to ${maxBytes} bytes, got ${bytes.length}`);
}

export function checkCommitment(commitment: unknown): asserts commitment is Hex {
	if (typeof commitment !== 'string' || !isHex(commitment, { strict: true }) || commitment.length !== 66 || commitment === zeroHash)
		throw new InvalidChainInputError(`expected a non-zero 32-byte hex commitment, got ${String(commitment).slice(0, 70)}`);
}

export function checkExpiry(expiresAt: unknown): asserts expiresAt is number {
	if (typeof expiresAt !== 'number' || !Number.isSafeInteger(expiresAt) || expiresAt < 0 || BigInt(expiresAt) > UINT64_MAX)
		throw new InvalidChainInputError(`expected the expiry as whole Unix seconds (0 for none), got ${String(expiresAt)}`);
}
