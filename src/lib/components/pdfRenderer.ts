/**
 * Renders PDF bytes into canvases with pdf.js, page by page, and nothing else:
 * no document script (pdf.js's display API never runs it; only the viewer's
 * sandbox would, and it is not loaded), no eval, no XFA, no annotation or text
 * layer (links and form fields would be live DOM), fonts drawn as paths (no
 * font loading). Works under `script-src 'self' 'wasm-unsafe-eval';
 * worker-src 'self'`: the worker, wasm decoders and standard fonts are the
 * site's own files. Loaded lazily: nothing of pdf.js is in the first bundle.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

// The site's own copies of pdf.js's binary helpers, by file name: wasm image
// decoders (JPEG 2000, JBIG2, colour profiles) and the standard fonts for
// PDFs that do not embed theirs. Vite emits them as assets; only the ones a
// document needs are ever fetched.
const BINARY_URLS: Record<string, Record<string, string>> = {
	wasmUrl: byFileName(import.meta.glob('/node_modules/pdfjs-dist/wasm/*.wasm', { query: '?url', import: 'default', eager: true })),
	standardFontDataUrl: byFileName(
		import.meta.glob('/node_modules/pdfjs-dist/standard_fonts/*.{pfb,ttf}', { query: '?url', import: 'default', eager: true })
	)
};

function byFileName(modules: Record<string, unknown>): Record<string, string> {
	return Object.fromEntries(Object.entries(modules).map(([path, url]) => [path.split('/').pop() ?? path, url as string]));
}

/**
 * pdf.js asks for helper files by (kind, name); this answers from the table
 * above and refuses everything else (no URL a document could steer).
 */
class OwnBinaryData {
	async fetch({ kind, filename }: { kind: string; filename: string }): Promise<Uint8Array> {
		const url = BINARY_URLS[kind]?.[filename];
		if (!url) throw new Error(`pdf.js helper ${kind}/${filename} is not bundled`);
		const res = await fetch(url);
		if (!res.ok) throw new Error(`pdf.js helper ${filename}: HTTP ${res.status}`);
		return new Uint8Array(await res.arrayBuffer());
	}
}

let pdfjs: Promise<typeof import('pdfjs-dist')> | null = null;
function loadPdfjs() {
	pdfjs ??= import('pdfjs-dist').then((m) => {
		m.GlobalWorkerOptions.workerSrc = workerUrl;
		return m;
	});
	return pdfjs;
}

export interface PdfDocument {
	pages: number;
	/** Draws page `n` (1-based) into `canvas`, `cssWidth` CSS pixels wide. */
	render(n: number, canvas: HTMLCanvasElement, cssWidth: number): Promise<void>;
	close(): Promise<void>;
}

/** Opens PDF bytes (copied: pdf.js takes ownership of what it is given). */
export async function openPdf(bytes: Uint8Array): Promise<PdfDocument> {
	const lib = await loadPdfjs();
	const task = lib.getDocument({
		data: bytes.slice(),
		isEvalSupported: false,
		enableXfa: false,
		disableFontFace: true,
		useSystemFonts: false,
		// The worker asks this page for wasm and fonts, answered from the site's own files.
		useWorkerFetch: false,
		BinaryDataFactory: OwnBinaryData
	});
	let doc: PDFDocumentProxy;
	try {
		doc = await task.promise;
	} catch (err) {
		await task.destroy();
		throw err;
	}
	return {
		pages: doc.numPages,
		async render(n, canvas, cssWidth) {
			const page = await doc.getPage(n);
			const base = page.getViewport({ scale: 1 });
			const ratio = Math.min(globalThis.devicePixelRatio || 1, 2);
			const viewport = page.getViewport({ scale: (cssWidth / base.width) * ratio });
			canvas.width = Math.floor(viewport.width);
			canvas.height = Math.floor(viewport.height);
			canvas.style.width = `${cssWidth}px`;
			canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
			// Annotation appearances are painted into the canvas (what a printed copy shows); none become DOM.
			await page.render({ canvas, viewport, annotationMode: lib.AnnotationMode.ENABLE }).promise;
			page.cleanup();
		},
		async close() {
			await task.destroy();
		}
	};
}
