import { messageOf } from '../errors';
import { rpcCodeOf } from '../vault/walletErrors';

export type Notice = { kind: 'error' | 'cancelled' | 'info' | 'success'; text: string };

/** A wallet "reject" is the person's choice: say so calmly, never as a failure. */
export function isCancellation(err: unknown): boolean {
	if (rpcCodeOf(err) === 4001) return true;
	for (let e = err, i = 0; e && typeof e === 'object' && i < 10; i++) {
		const name = (e as { name?: unknown }).name;
		if (typeof name === 'string' && /Cancelled|UserRejected/.test(name)) return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}

export function noticeOf(err: unknown): Notice {
	if (isCancellation(err)) return { kind: 'cancelled', text: 'Cancelled in your wallet. Nothing was changed.' };
	return { kind: 'error', text: messageOf(err) };
}
