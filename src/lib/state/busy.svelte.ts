import { noticeOf, type Notice } from './notice';

/**
 * What a page's state shows while it works: a busy line, then a notice. Every
 * failure becomes a notice the person can read (a wallet "reject" is shown
 * calmly as cancelled), never an unhandled rejection.
 */
export class Busy {
	busy = $state<string | null>(null);
	notice = $state<Notice | null>(null);

	async run(busy: string, work: () => Promise<void>, onDone?: () => void): Promise<boolean> {
		this.busy = busy;
		this.notice = null;
		try {
			await work();
			return true;
		} catch (err) {
			this.notice = noticeOf(err);
			return false;
		} finally {
			this.busy = null;
			onDone?.();
		}
	}
}
