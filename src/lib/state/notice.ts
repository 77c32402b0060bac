import { errorChain, messageOf } from '../errors';
import { USER_REJECTED } from '../vault/walletErrors';

export type Notice = { kind: 'error' | 'cancelled' | 'info' | 'success'; text: string };

/** A wallet "reject" is the person's choice: say so calmly, never as a failure. */
export function isCancellation(err: unknown): boolean {
	return errorChain(err).some((e) => e.code === USER_REJECTED || (typeof e.name === 'string' && /Cancelled|UserRejected/.test(e.name)));
}

export function noticeOf(err: unknown): Notice {
	if (isCancellation(err)) return { kind: 'cancelled', text: 'Cancelled in your wallet. Nothing was changed.' };
	return { kind: 'error', text: messageOf(err) };
}
