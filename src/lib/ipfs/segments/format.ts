/**
 * The on-disk format of the segment blockstore. Pure: no browser or node API,
 * so node tests run it over real files and the worker over OPFS handles.
 *
 * A segment is one append-only file:
 *
 *     segment = "CVSEG\x00\x00\x01" record*
 *     record  = magic "CVR1" (4) | flags u16 | cidLength u16 | dataLength u32 | cid | data
 *
 * (integers little-endian). A record is a block (flags 0) or a tombstone
 * (flags 1, no data) that records a delete, so that an index rebuilt from the
 * segments alone does not bring deleted blocks back. A record carries its CID,
 * and a block's bytes must hash to it: a record cut short by a closed tab, or
 * one whose bytes do not match, is never taken as a block.
 */
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sha256, sha512 } from 'multiformats/hashes/sha2';
import { base32upper } from 'multiformats/bases/base32';

export const SEGMENT_MAGIC = new Uint8Array([0x43, 0x56, 0x53, 0x45, 0x47, 0x00, 0x00, 0x01]); // "CVSEG" v1
export const SEGMENT_HEADER_SIZE = SEGMENT_MAGIC.length;
const RECORD_MAGIC = 0x31525643; // "CVR1" read as u32 LE
export const RECORD_HEADER_SIZE = 12;
export const FLAG_TOMBSTONE = 1;
/** Larger blocks are refused: bitswap caps blocks at 4 MiB, so 64 MiB only guards against a garbled length. */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
const MAX_CID_BYTES = 256;

/**
 * The small file interface a segment lives in: a node file descriptor in
 * tests, a `FileSystemSyncAccessHandle` in the browser's worker. Synchronous
 * like the handle, so a read can never interleave with a compaction.
 */
export interface SegmentFile {
	/** Reads into `buf` from `at`; returns the bytes read (fewer at the end of the file). */
	read(buf: Uint8Array, at: number): number;
	write(buf: Uint8Array, at: number): number;
	size(): number;
	truncate(size: number): void;
	/** Returns once everything written is on disk. */
	flush(): void;
	close(): void;
}

/** Where the segment files are: one directory, files named by a number. */
export interface SegmentDir {
	list(): Promise<number[]>;
	/** Opens the segment, creating an empty file if there is none. */
	open(id: number): Promise<SegmentFile>;
	remove(id: number): Promise<void>;
}

/** The index key of a CID: its multihash (so v0 and v1 CIDs of one block are one entry), as blockstore-idb does. */
export function blockKey(cid: CID): string {
	return base32upper.encoder.encode(cid.multihash.bytes);
}

const hashers = new Map<number, { digest(bytes: Uint8Array): unknown }>([
	[sha256.code, sha256],
	[sha512.code, sha512],
	[identity.code, identity]
]);

/** Whether the store can check a block of this CID; blocks it cannot check are refused. */
export function canVerify(cid: CID): boolean {
	return hashers.has(cid.multihash.code);
}

/** True when `bytes` hash to `cid`'s multihash. */
export async function hashesTo(cid: CID, bytes: Uint8Array): Promise<boolean> {
	const hasher = hashers.get(cid.multihash.code);
	if (!hasher) return false;
	const digest = (await hasher.digest(bytes)) as { bytes: Uint8Array };
	return equalBytes(digest.bytes, cid.multihash.bytes);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

export function recordSize(cidLength: number, dataLength: number): number {
	return RECORD_HEADER_SIZE + cidLength + dataLength;
}

/** One record, ready to append. */
export function encodeRecord(cid: CID, data: Uint8Array | null): Uint8Array {
	const head = encodeRecordHead(cid, data);
	if (!data) return head;
	const out = new Uint8Array(head.length + data.length);
	out.set(head, 0);
	out.set(data, head.length);
	return out;
}

/**
 * A record's header and CID, the bytes that precede its data: a block is
 * appended as this and then its data as given, so 1 MiB blocks are not
 * copied into a record buffer first.
 */
export function encodeRecordHead(cid: CID, data: Uint8Array | null): Uint8Array {
	const cidBytes = cid.bytes;
	const out = new Uint8Array(RECORD_HEADER_SIZE + cidBytes.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, RECORD_MAGIC, true);
	view.setUint16(4, data ? 0 : FLAG_TOMBSTONE, true);
	view.setUint16(6, cidBytes.length, true);
	view.setUint32(8, data?.length ?? 0, true);
	out.set(cidBytes, RECORD_HEADER_SIZE);
	return out;
}

export interface RecordHeader {
	tombstone: boolean;
	cidLength: number;
	dataLength: number;
}

/** Parses a record header, or null if these 12 bytes are not one (a torn or foreign tail). */
export function decodeRecordHeader(bytes: Uint8Array): RecordHeader | null {
	if (bytes.length < RECORD_HEADER_SIZE) return null;
	const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_HEADER_SIZE);
	if (view.getUint32(0, true) !== RECORD_MAGIC) return null;
	const flags = view.getUint16(4, true);
	const cidLength = view.getUint16(6, true);
	const dataLength = view.getUint32(8, true);
	if (flags > FLAG_TOMBSTONE || cidLength < 2 || cidLength > MAX_CID_BYTES || dataLength > MAX_BLOCK_BYTES) return null;
	if (flags === FLAG_TOMBSTONE && dataLength !== 0) return null;
	return { tombstone: flags === FLAG_TOMBSTONE, cidLength, dataLength };
}

export function decodeCid(bytes: Uint8Array): CID | null {
	try {
		return CID.decode(bytes);
	} catch {
		return null;
	}
}

export interface ScannedRecord {
	cid: CID;
	/** Offset of the record (not of its data) in the segment. */
	offset: number;
	/** Bytes of the block; 0 for a tombstone. */
	length: number;
	tombstone: boolean;
}

/**
 * Reads a segment's records in order, checking each: a block is yielded only
 * if its bytes hash to its CID. Stops at the first record that is not whole
 * and valid; `end` is then where the valid records end (a torn tail starts
 * there). Never throws on bad content.
 */
export async function scanSegment(file: SegmentFile, from = SEGMENT_HEADER_SIZE): Promise<{ records: ScannedRecord[]; end: number; size: number }> {
	const size = file.size();
	const records: ScannedRecord[] = [];
	const head = new Uint8Array(SEGMENT_HEADER_SIZE);
	if (size < SEGMENT_HEADER_SIZE || file.read(head, 0) < SEGMENT_HEADER_SIZE || !equalBytes(head, SEGMENT_MAGIC)) {
		return { records, end: 0, size };
	}
	let at = Math.max(from, SEGMENT_HEADER_SIZE);
	const headerBuf = new Uint8Array(RECORD_HEADER_SIZE);
	while (at + RECORD_HEADER_SIZE <= size) {
		if (file.read(headerBuf, at) < RECORD_HEADER_SIZE) break;
		const header = decodeRecordHeader(headerBuf);
		if (!header) break;
		const total = recordSize(header.cidLength, header.dataLength);
		if (at + total > size) break;
		const body = new Uint8Array(header.cidLength + header.dataLength);
		if (file.read(body, at + RECORD_HEADER_SIZE) < body.length) break;
		const cid = decodeCid(body.subarray(0, header.cidLength));
		if (!cid || cid.bytes.length !== header.cidLength) break;
		if (!header.tombstone && !(await hashesTo(cid, body.subarray(header.cidLength)))) break;
		records.push({ cid, offset: at, length: header.dataLength, tombstone: header.tombstone });
		at += total;
	}
	return { records, end: at, size };
}
