/**
 * The browser's Encryptor: large files are encrypted in a Web Worker, so the
 * cipher runs beside the page's thread, which is busy storing blocks (about
 * +25% on a 2-core machine, see bench/README.md). Small files, and browsers
 * without workers, use the cipher on this thread: starting a worker costs
 * more than it saves for them.
 */
import { encryptThroughPort } from '../crypto/cipherPort';
import { encryptStream } from '../crypto/recordCipher';
import type { Encryptor } from '../vault/deps';

const WORKER_MIN_BYTES = 16 * 1024 * 1024;

export const browserEncryptor: Encryptor = async function* (file, options) {
	if (typeof Worker === 'undefined' || !file.blob || file.size < WORKER_MIN_BYTES) {
		yield* encryptStream(file.stream(), options);
		return;
	}
	const worker = new Worker(new URL('./encrypt.worker.ts', import.meta.url), { type: 'module' });
	// A worker that fails to load reports it as an error event, not a message: turn it into one.
	worker.addEventListener('error', (event) => {
		event.preventDefault();
		worker.onmessage?.(
			new MessageEvent('message', { data: { t: 'error', name: 'EncryptionWorkerError', message: `The encryption worker stopped: ${event.message || 'it could not be loaded'}` } })
		);
	});
	try {
		yield* encryptThroughPort(worker, file.blob, options);
	} finally {
		worker.terminate();
	}
};
