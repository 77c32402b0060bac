import { checkBytes, checkInteger } from './input';
import { getSodium } from './sodium';

/** BLAKE2b (libsodium crypto_generichash), 32 bytes unless told otherwise; unkeyed. */
export async function blake2b(bytes: Uint8Array, length = 32): Promise<Uint8Array> {
	const sodium = await getSodium();
	checkBytes('bytes', bytes);
	checkInteger('length', length, 16);
	return sodium.crypto_generichash(length, bytes, null);
}
