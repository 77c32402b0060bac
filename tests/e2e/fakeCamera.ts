/**
 * A fake camera for Chromium: a Y4M video (raw YUV 4:2:0 frames) showing a
 * QR code, made here with the `qrcode` package, and the Chromium flags that
 * play it as the camera (`--use-file-for-fake-video-capture`, looped).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';

const W = 640;
const H = 480;

/** Writes a Y4M file of `frames` frames, each a black-on-white QR code of `text` centred on a grey background. */
export function qrVideo(text: string, frames = 10): string {
	const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
	const n = qr.modules.size;
	const quiet = 4;
	const scale = Math.floor(Math.min(W, H) / (n + 2 * quiet));
	const side = (n + 2 * quiet) * scale;
	const x0 = Math.floor((W - side) / 2);
	const y0 = Math.floor((H - side) / 2);
	const luma = Buffer.alloc(W * H, 128);
	for (let y = 0; y < side; y++) {
		for (let x = 0; x < side; x++) {
			const mx = Math.floor(x / scale) - quiet;
			const my = Math.floor(y / scale) - quiet;
			const dark = mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(my, mx);
			luma[(y0 + y) * W + x0 + x] = dark ? 16 : 235;
		}
	}
	const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
	const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
	const file = join(mkdtempSync(join(tmpdir(), 'carevault-camera-')), 'qr.y4m');
	writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: frames }, () => frame)]));
	return file;
}

/** Chromium flags: camera allowed without a prompt, the video file as the camera. */
export function fakeCameraArgs(video: string): string[] {
	return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`];
}

/** A PNG of a QR code of `text` (for "scan from a picture"). */
export function qrPng(text: string): Promise<Buffer> {
	return QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 4, width: 400 });
}
