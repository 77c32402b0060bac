/**
 * The grant commitment: the bytes32 the patient publishes on-chain with a
 * grant and with every pointer update. It binds what the patient meant to
 * share, so a grantee can tell a bundle the patient made from one someone
 * else rebuilt with the same bundle key (for instance from a share link: any
 * holder of the link has that key and could store an altered bundle and pass
 * its pointer on).
 *
 *   BLAKE2b-256( frame(DOMAIN) || frame(u32 bundle version) || frame(patient) || frame(grantee)
 *              || frame(u64 expiresAt) || frame(scope kind) || frame(u32 n) || frame(item)… (sorted)
 *              || frame(u32 m) || (frame(category) || frame(u32 epoch) || frame(delegatingPk))… (sorted)
 *              || frame(BLAKE2b-256(frame(cid) || frame(bundle key))) || frame(salt) )
 *   frame(x) = u32 BE length(x) || x
 *
 * The 32-byte salt is random per bundle and travels only inside the encrypted
 * bundle: chain observers cannot test guesses of the scope, the grantee
 * recomputes the value from what it decrypted and what the chain says.
 */
import { bytesEqual, bytesToHex, concatBytes, fromBase64, hexToBytes, utf8 } from '../../crypto/encoding';
import { blake2b } from '../../crypto/hash';
import type { Hex } from '../ports';
import { COMMITMENT_SALT_BYTES, type BundlePointer, type GrantBundle } from './bundle';
import { GrantCommitmentMismatchError } from './errors';

const DOMAIN = utf8('carevault/grant-commitment');

function frame(bytes: Uint8Array): Uint8Array {
	const out = new Uint8Array(4 + bytes.length);
	new DataView(out.buffer).setUint32(0, bytes.length);
	out.set(bytes, 4);
	return out;
}

function u32(n: number): Uint8Array {
	if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`expected a u32, got ${n}`);
	const out = new Uint8Array(4);
	new DataView(out.buffer).setUint32(0, n);
	return out;
}

function u64(n: number): Uint8Array {
	if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a non-negative safe integer, got ${n}`);
	const out = new Uint8Array(8);
	new DataView(out.buffer).setBigUint64(0, BigInt(n));
	return out;
}

function address(a: Hex): Uint8Array {
	const bytes = hexToBytes(a);
	if (bytes.length !== 20) throw new RangeError(`expected a 20-byte address, got ${bytes.length} bytes`);
	return bytes;
}

// Code-unit order: the same on every engine, unlike localeCompare.
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What the commitment covers: the chain's view of the grant and the bundle's own contents. */
export interface CommitmentInput {
	patient: Hex;
	grantee: Hex;
	/** Unix seconds, 0 = never: the grant's expiry on-chain. */
	expiresAt: number;
	bundle: Pick<GrantBundle, 'v' | 'scope' | 'keys' | 'salt'>;
	pointer: BundlePointer;
}

/** The commitment of a grant, as a 0x-prefixed 32-byte hex string. */
export async function grantCommitment(p: CommitmentInput): Promise<Hex> {
	const { bundle } = p;
	const salt = fromBase64(bundle.salt);
	if (salt.length !== COMMITMENT_SALT_BYTES) throw new RangeError(`expected a ${COMMITMENT_SALT_BYTES}-byte salt, got ${salt.length} bytes`);
	const [kind, items] =
		'categories' in bundle.scope ? ['categories', [...new Set<string>(bundle.scope.categories)]] : ['records', [...new Set(bundle.scope.recordIds)]];
	const keys = [...bundle.keys].sort((a, b) => byCodeUnit(a.category, b.category) || a.epoch - b.epoch || byCodeUnit(a.delegatingPk, b.delegatingPk));
	const pointerHash = await blake2b(concatBytes(frame(utf8(p.pointer.cid)), frame(fromBase64(p.pointer.key))));
	const parts: Uint8Array[] = [
		frame(DOMAIN),
		frame(u32(bundle.v)),
		frame(address(p.patient)),
		frame(address(p.grantee)),
		frame(u64(p.expiresAt)),
		frame(utf8(kind)),
		frame(u32(items.length)),
		...items.sort(byCodeUnit).map((item) => frame(utf8(item))),
		frame(u32(keys.length)),
		...keys.flatMap((k) => [frame(utf8(k.category)), frame(u32(k.epoch)), frame(fromBase64(k.delegatingPk))]),
		frame(pointerHash),
		frame(salt)
	];
	const digest = await blake2b(concatBytes(...parts));
	return `0x${bytesToHex(digest)}`;
}

/**
 * Throws GrantCommitmentMismatchError unless `onChain` is the commitment of
 * this bundle, pointer and grant. Call it before showing anything from the bundle.
 */
export async function checkGrantCommitment(onChain: Hex, p: CommitmentInput): Promise<void> {
	let expected: Hex;
	try {
		expected = await grantCommitment(p);
	} catch (cause) {
		throw new GrantCommitmentMismatchError({ cause });
	}
	if (!bytesEqual(hexToBytes(expected), hexToBytes(onChain))) throw new GrantCommitmentMismatchError();
}
