/// <reference lib="webworker" />
// Decodes QR codes from camera frames beside the page's thread: jsQR takes
// tens of milliseconds per frame, which would make the page stutter while the
// camera runs. One request in, one answer out; the page sends the next frame
// only after the answer.
import jsQR from 'jsqr';
import type { QrDecodeRequest, QrDecodeAnswer } from './qrProtocol';

self.onmessage = (event: MessageEvent<QrDecodeRequest>) => {
	const { id, data, width, height } = event.data;
	let answer: QrDecodeAnswer;
	try {
		const code = jsQR(data, width, height, { inversionAttempts: 'attemptBoth' });
		answer = { id, text: code ? code.data : null };
	} catch (err) {
		answer = { id, text: null, error: err instanceof Error ? err.message : String(err) };
	}
	(self as unknown as DedicatedWorkerGlobalScope).postMessage(answer);
};
