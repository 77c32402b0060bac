import { fromBase64, toBase64 } from '../../crypto/encoding';
import type { Hex } from '../ports';
import { BackupUnreadableError } from './errors';

/**
 * The small block a backup starts with (its first root): whose vault it is
 * and which chain state it was taken at, so an import can refuse another
 * account's backup or an outdated one before storing anything. It holds what
 * the chain and the CAR's own header already show (addresses, CIDs, the
 * already-encrypted index pointer): nothing in clear about records.
 */
export interface BackupDescription {
	carevault: 'backup';
	v: 1;
	/** Lower-case account address. */
	address: string;
	chainId: number;
	/** CID of the wrapped-key header, as the chain's vault pointer named it. */
	header: string;
	/** The chain's encrypted index pointer at export time (base64), null when the vault had no index yet. */
	indexPointer: string | null;
	/** ISO 8601. */
	createdAt: string;
}

export function encodeDescription(d: { address: Hex; chainId: number; header: string; indexPointer: Uint8Array | null; createdAt: Date }): Uint8Array {
	const value: BackupDescription = {
		carevault: 'backup',
		v: 1,
		address: d.address.toLowerCase(),
		chainId: d.chainId,
		header: d.header,
		indexPointer: d.indexPointer ? toBase64(d.indexPointer) : null,
		createdAt: d.createdAt.toISOString()
	};
	return new TextEncoder().encode(JSON.stringify(value));
}

/** Throws BackupUnreadableError for anything but a description this version wrote. */
export function decodeDescription(bytes: Uint8Array | null): BackupDescription & { indexPointerBytes: Uint8Array | null } {
	if (!bytes) throw new BackupUnreadableError({ details: 'the file has no backup description' });
	try {
		const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as BackupDescription;
		if (v?.carevault !== 'backup' || v.v !== 1) throw new Error('not a Carevault backup description');
		if (typeof v.address !== 'string' || !Number.isSafeInteger(v.chainId) || typeof v.header !== 'string' || typeof v.createdAt !== 'string')
			throw new Error('description fields missing');
		if (v.indexPointer !== null && typeof v.indexPointer !== 'string') throw new Error('bad index pointer');
		return { ...v, indexPointerBytes: v.indexPointer === null ? null : fromBase64(v.indexPointer) };
	} catch (cause) {
		throw new BackupUnreadableError({ cause });
	}
}
