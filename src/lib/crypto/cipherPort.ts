/**
 * Record encryption across a message port, so a Web Worker can run the
 * cipher while the page's thread stores blocks. Both halves are here and
 * take any port (a Worker, a MessagePort): the worker entry only calls
 * serveEncryption, and node tests drive both over a MessageChannel.
 *
 * The page sends the file itself (a Blob is cloned by reference, not
 * copied), the key, the associated data and the chunk size; the worker
 * reads the file, sends each ciphertext chunk back as a transferred buffer
 * and waits for an acknowledgement once CREDIT chunks are unacknowledged,
 * so memory stays bounded whatever the file size.
 */
import { encryptStream } from './recordCipher';

/** The part of MessagePort / Worker / DedicatedWorkerGlobalScope used here. */
export interface CipherPort {
	postMessage(message: unknown, transfer?: Transferable[]): void;
	onmessage: ((event: MessageEvent) => void) | null;
}

/** Chunks (about MiB) the worker may run ahead of the page. */
const CREDIT = 4;

type ToWorker =
	| { t: 'start'; file: Blob; key: Uint8Array; ad: Uint8Array; chunkSize?: number }
	| { t: 'ack' }
	| { t: 'stop' };

type FromWorker =
	| { t: 'chunk'; bytes: Uint8Array }
	| { t: 'progress'; done: number }
	| { t: 'end' }
	| { t: 'error'; name: string; message: string };

/** The worker's side: encrypts one file per 'start' (one at a time), until 'stop' or the end. */
export function serveEncryption(port: CipherPort): void {
	let acked = 0;
	let sent = 0;
	let stopped = false;
	let wake: (() => void) | null = null;
	const signal = () => {
		wake?.();
		wake = null;
	};
	const post = (m: FromWorker, transfer?: Transferable[]) => port.postMessage(m, transfer);
	port.onmessage = (event: MessageEvent<ToWorker>) => {
		const m = event.data;
		if (m.t === 'ack') acked++;
		else if (m.t === 'stop') stopped = true;
		else if (m.t === 'start') {
			acked = sent = 0;
			stopped = false;
			void run(m);
		}
		signal();
	};
	async function run(m: Extract<ToWorker, { t: 'start' }>) {
		try {
			const chunks = encryptStream(m.file.stream() as unknown as AsyncIterable<Uint8Array>, {
				key: m.key,
				ad: m.ad,
				chunkSize: m.chunkSize,
				onProgress: (done) => post({ t: 'progress', done })
			});
			for await (const bytes of chunks) {
				while (!stopped && sent - acked >= CREDIT) await new Promise<void>((resolve) => (wake = resolve));
				if (stopped) {
					await chunks.return(undefined);
					return;
				}
				sent++;
				post({ t: 'chunk', bytes }, [bytes.buffer as ArrayBuffer]);
			}
			post({ t: 'end' });
		} catch (err) {
			post({ t: 'error', name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) });
		} finally {
			// The worker's copy of the data key.
			m.key.fill(0);
		}
	}
}

/**
 * The page's side: the ciphertext of `file`, as encryptStream would yield it.
 * An error in the worker is rethrown here with its name and message;
 * stopping early (or `signal`) tells the worker to stop.
 */
export async function* encryptThroughPort(
	port: CipherPort,
	file: Blob,
	options: { key: Uint8Array; ad: Uint8Array; chunkSize?: number; onProgress?(done: number): void; signal?: AbortSignal }
): AsyncGenerator<Uint8Array, void, undefined> {
	const queue: FromWorker[] = [];
	let wake: (() => void) | null = null;
	port.onmessage = (event: MessageEvent<FromWorker>) => {
		queue.push(event.data);
		wake?.();
		wake = null;
	};
	const aborted = () => {
		wake?.();
		wake = null;
	};
	options.signal?.addEventListener('abort', aborted);
	let finished = false;
	try {
		options.signal?.throwIfAborted();
		// The key is copied into the message; the caller keeps (and wipes) its own.
		port.postMessage({ t: 'start', file, key: options.key.slice(), ad: options.ad, chunkSize: options.chunkSize } satisfies ToWorker);
		for (;;) {
			options.signal?.throwIfAborted();
			const m = queue.shift();
			if (!m) {
				await new Promise<void>((resolve) => (wake = resolve));
				continue;
			}
			if (m.t === 'progress') options.onProgress?.(m.done);
			else if (m.t === 'chunk') {
				port.postMessage({ t: 'ack' } satisfies ToWorker);
				yield m.bytes;
			} else if (m.t === 'end') {
				finished = true;
				return;
			} else {
				finished = true;
				throw Object.assign(new Error(m.message), { name: m.name });
			}
		}
	} finally {
		options.signal?.removeEventListener('abort', aborted);
		if (!finished) port.postMessage({ t: 'stop' } satisfies ToWorker);
		port.onmessage = null;
	}
}
