/**
 * The camera and the QR decoder, for scanning a provider's address or a link.
 * Frames are decoded in a Web Worker (qrDecode.worker.ts); without workers,
 * on this thread. The camera is the browser's: what getUserMedia refuses
 * becomes one CameraError with a message the person can act on.
 */
import { CarevaultError } from '../errors';
import type { QrDecodeAnswer, QrDecodeRequest } from './qrProtocol';

export class CameraError extends CarevaultError {
	override name = 'CameraError' as const;
	readonly reason: 'unsupported' | 'denied' | 'missing' | 'busy' | 'failed';
	constructor(reason: CameraError['reason'], options: { cause?: unknown } = {}) {
		super(CAMERA_MESSAGES[reason], options);
		this.reason = reason;
	}
}

const CAMERA_MESSAGES: Record<CameraError['reason'], string> = {
	unsupported: 'This browser cannot use a camera here (it needs a secure https page). Scan from a picture instead, or paste the text.',
	denied: 'The camera was not allowed. Allow it in the browser’s site settings and try again, or scan from a picture instead.',
	missing: 'No camera was found on this device. Scan from a picture instead, or paste the text.',
	busy: 'The camera is in use by another app or tab. Close it there and try again, or scan from a picture instead.',
	failed: 'The camera could not be started. Try again, or scan from a picture instead.'
};

export class QrImageError extends CarevaultError {
	override name = 'QrImageError' as const;
	constructor(problem: string, options: { cause?: unknown } = {}) {
		super(`This picture could not be read: ${problem}`, options);
	}
}

/** Opens the back camera if there is one (any camera otherwise). */
export async function openCamera(): Promise<MediaStream> {
	if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) throw new CameraError('unsupported');
	try {
		return await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } }, audio: false });
	} catch (cause) {
		const name = (cause as { name?: unknown })?.name;
		if (name === 'NotAllowedError' || name === 'SecurityError') throw new CameraError('denied', { cause });
		if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new CameraError('missing', { cause });
		if (name === 'NotReadableError' || name === 'AbortError') throw new CameraError('busy', { cause });
		throw new CameraError('failed', { cause });
	}
}

/** Stops every track: the camera light goes off. */
export function closeCamera(stream: MediaStream | null | undefined): void {
	for (const track of stream?.getTracks() ?? []) track.stop();
}

export interface QrDecoder {
	/** The QR code's text in `image`, or null. */
	decode(image: ImageData): Promise<string | null>;
	close(): void;
}

/** A decoder in a Web Worker (or on this thread where workers are missing). */
export function createQrDecoder(): QrDecoder {
	if (typeof Worker === 'undefined') {
		const jsqr = import('jsqr');
		return {
			decode: async (image) => (await jsqr).default(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data ?? null,
			close: () => {}
		};
	}
	const worker = new Worker(new URL('./qrDecode.worker.ts', import.meta.url), { type: 'module' });
	let next = 0;
	const waiting = new Map<number, { ok: (text: string | null) => void; fail: (err: Error) => void }>();
	const failAll = (err: Error) => {
		for (const w of waiting.values()) w.fail(err);
		waiting.clear();
	};
	worker.onmessage = (event: MessageEvent<QrDecodeAnswer>) => {
		const w = waiting.get(event.data.id);
		waiting.delete(event.data.id);
		if (!w) return;
		if (event.data.error) w.fail(new QrImageError(event.data.error));
		else w.ok(event.data.text);
	};
	worker.onerror = (event) => {
		event.preventDefault();
		failAll(new QrImageError(`the QR decoder stopped (${event.message || 'it could not be loaded'}).`));
	};
	return {
		decode(image) {
			const id = next++;
			return new Promise((ok, fail) => {
				waiting.set(id, { ok, fail });
				const request: QrDecodeRequest = { id, data: image.data, width: image.width, height: image.height };
				worker.postMessage(request, [image.data.buffer]);
			});
		},
		close() {
			worker.terminate();
			failAll(new QrImageError('scanning was stopped.'));
		}
	};
}

/** Frames larger than this (longest side, pixels) are scaled down before decoding: enough for a QR code, far less work. */
const MAX_SIDE = 1024;

function pixelsOf(source: CanvasImageSource, width: number, height: number): ImageData {
	const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
	const w = Math.max(1, Math.round(width * scale));
	const h = Math.max(1, Math.round(height * scale));
	const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
	const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
	if (!ctx) throw new QrImageError('this browser cannot draw it.');
	ctx.drawImage(source, 0, 0, w, h);
	return ctx.getImageData(0, 0, w, h);
}

/** Reads a QR code from a picture file (a photo or a screenshot). Null when none is found. */
export async function decodeImageFile(file: Blob, decoder: QrDecoder): Promise<string | null> {
	if (file.size > 32 * 1024 * 1024) throw new QrImageError('it is larger than 32 MiB.');
	let bitmap: ImageBitmap;
	try {
		bitmap = await createImageBitmap(file);
	} catch (cause) {
		throw new QrImageError('it is not a picture this browser can open (try a PNG or JPEG).', { cause });
	}
	try {
		return await decoder.decode(pixelsOf(bitmap, bitmap.width, bitmap.height));
	} finally {
		bitmap.close();
	}
}

/**
 * Decodes the video's frames, one at a time, until `onText` returns true or
 * `signal` aborts. A frame goes to the decoder only after the previous answer.
 */
export async function scanVideo(video: HTMLVideoElement, decoder: QrDecoder, onText: (text: string) => boolean, signal: AbortSignal): Promise<void> {
	const pause = () => new Promise<void>((ok) => setTimeout(ok, 120));
	while (!signal.aborted) {
		if (video.readyState < 2 || video.videoWidth === 0) {
			await pause();
			continue;
		}
		let text: string | null;
		try {
			text = await decoder.decode(pixelsOf(video, video.videoWidth, video.videoHeight));
		} catch (err) {
			if (signal.aborted) return;
			throw err;
		}
		if (signal.aborted) return;
		if (text !== null && onText(text)) return;
		await pause();
	}
}
