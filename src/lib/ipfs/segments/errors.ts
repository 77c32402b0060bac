import { CarevaultError } from '../../errors';

/** A stored block's bytes no longer match its CID (disk corruption, or storage changed outside the app). */
export class StoredBlockCorruptError extends CarevaultError {
	override name = 'StoredBlockCorruptError' as const;
	readonly cid: string;
	constructor(cid: string, options: { cause?: unknown } = {}) {
		super('Stored data on this device is damaged and was not used. Restore it from a remote copy or a backup.', { ...options, details: `cid: ${cid}` });
		this.cid = cid;
	}
}
