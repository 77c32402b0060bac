import type { FileInput } from '../vault/addRecords';

/** Adapts a browser File to the use case's streaming input, without reading it whole. */
export function fileInput(file: File): FileInput {
	return {
		name: file.name,
		type: file.type,
		size: file.size,
		stream: () => iterate(file.stream()),
		blob: file
	};
}

export function textInput(name: string, type: string, text: string): FileInput {
	const bytes = new TextEncoder().encode(text);
	return { name, type, size: bytes.length, stream: async function* () { yield bytes; } };
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
	const reader = stream.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			yield value;
		}
	} finally {
		reader.releaseLock();
	}
}
