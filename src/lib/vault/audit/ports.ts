/**
 * Where the chain-event reader (lib/chain/events.ts) keeps what it has read,
 * so a second visit scans only the blocks mined since. Values are what the
 * reader gives (logs with bigints); the store decides how they are kept.
 */
export interface EventCursor {
	/** The last block scanned. */
	lastBlock: bigint;
	/** Every log found up to `lastBlock`, oldest first. */
	logs: unknown[];
}

export interface EventCache {
	/** The cursor saved under `key`, or null (none saved, no vault open, or it did not open). */
	get(key: string): Promise<EventCursor | null>;
	/** Saves `cursor` under `key`; does nothing while no vault is open. */
	put(key: string, cursor: EventCursor): Promise<void>;
}
