/** Messages between the page and qrDecode.worker.ts. */
export interface QrDecodeRequest {
	id: number;
	/** RGBA pixels (ImageData.data), transferred. */
	data: Uint8ClampedArray;
	width: number;
	height: number;
}

export interface QrDecodeAnswer {
	id: number;
	/** The code's text, or null when the frame holds no readable QR code. */
	text: string | null;
	error?: string;
}
