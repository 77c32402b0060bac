import type { ScanProgress } from '../chain/scanLogs';

/**
 * How far the current chain scan has got, for a progress bar. The chain
 * adapters report to `report`; a page shows `fraction` while `scanning`.
 */
export class ScanProgressState {
	#scanned = $state(0n);
	#total = $state(0n);

	get scanning() { return this.#total > 0n && this.#scanned < this.#total; }
	get scanned() { return this.#scanned; }
	get total() { return this.#total; }
	/** 0 to 1. */
	get fraction() { return this.#total === 0n ? 1 : Number((this.#scanned * 1000n) / this.#total) / 1000; }

	/** Bound, so it can be handed to an adapter as a callback. */
	report = (progress: ScanProgress): void => {
		this.#scanned = progress.scanned;
		this.#total = progress.total;
	};
}
