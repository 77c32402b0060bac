/**
 * The encryption worker: record encryption off the page's thread (see
 * crypto/cipherPort). It serves the page directly, or, for the segment
 * store's in-worker add, a MessagePort the page hands it ('connect'), so
 * ciphertext goes from this worker to the segment worker without the page.
 */
import { serveEncryption, type CipherPort } from '../crypto/cipherPort';

const scope = self as unknown as CipherPort;
serveEncryption(scope);
const direct = scope.onmessage;
scope.onmessage = (event: MessageEvent) => {
	const data = event.data as { t?: string; port?: MessagePort };
	if (data?.t === 'connect' && data.port) serveEncryption(data.port as unknown as CipherPort);
	else direct?.(event);
};
