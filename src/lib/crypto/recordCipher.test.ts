import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
	CHUNK_OVERHEAD,
	CHUNK_SIZE,
	STREAM_HEADER_BYTES,
	decryptStream,
	encryptStream,
	encryptedSize,
	generateDataKey,
	manifestHeaderHash,
	type EncryptStreamOptions,
	type RecordCipherHeader
} from './recordCipher';
import { DecryptionFailedError, InvalidInputError } from './errors';
import { bytesToHex, concatBytes } from './encoding';
import { collect, collectParts, fromHex, pieces, randomBytesFast, splitAt } from './testkit';
import vectors from './vectors/secretstream.json';

const header = (id = 'rec-1', chunk = CHUNK_SIZE): RecordCipherHeader => ({
	v: 1,
	alg: 'secretstream-xchacha20poly1305',
	chunk,
	id
});

async function seal(plain: Uint8Array, opts: EncryptStreamOptions, sizes?: number[]) {
	return collectParts(encryptStream(pieces(plain, sizes), opts));
}

async function open(cipher: Uint8Array, opts: { key: Uint8Array; ad: Uint8Array; chunkSize?: number }, sizes?: number[]) {
	return collect(decryptStream(pieces(cipher, sizes), opts));
}

async function expectDecryptionFailed(cipher: Uint8Array | AsyncIterable<Uint8Array>, opts: { key: Uint8Array; ad: Uint8Array; chunkSize?: number }) {
	const source = cipher instanceof Uint8Array ? pieces(cipher) : cipher;
	const err = await collect(decryptStream(source, opts)).then(
		() => null,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(DecryptionFailedError);
	expect((err as DecryptionFailedError).name).toBe('DecryptionFailedError');
	expect((err as DecryptionFailedError).message).toBe('This record was altered or is incomplete; it cannot be opened.');
}

describe('manifestHeaderHash', () => {
	it('is BLAKE2b-256 of the canonical header, independent of key order', async () => {
		const a = await manifestHeaderHash(header('x'));
		const b = await manifestHeaderHash({ id: 'x', chunk: CHUNK_SIZE, alg: 'secretstream-xchacha20poly1305', v: 1 });
		expect(a).toHaveLength(32);
		expect(bytesToHex(a)).toBe(bytesToHex(b));
		expect(bytesToHex(await manifestHeaderHash(header('y')))).not.toBe(bytesToHex(a));
		expect(bytesToHex(await manifestHeaderHash(header('x', 64)))).not.toBe(bytesToHex(a));
	});

	it('matches the frozen vectors', async () => {
		for (const v of vectors.vectors)
			expect(bytesToHex(await manifestHeaderHash(v.header as RecordCipherHeader))).toBe(v.ad);
	});

	it('rejects malformed headers', async () => {
		await expect(manifestHeaderHash({ ...header(), v: 2 } as unknown as RecordCipherHeader)).rejects.toThrow(InvalidInputError);
		await expect(manifestHeaderHash({ ...header(), alg: 'aes' } as unknown as RecordCipherHeader)).rejects.toThrow(InvalidInputError);
		await expect(manifestHeaderHash(header(''))).rejects.toThrow(InvalidInputError);
		await expect(manifestHeaderHash(header('a', 0))).rejects.toThrow(InvalidInputError);
	});
});

describe('encryptStream / decryptStream round trips (1 MiB chunks)', () => {
	const cases: Array<[string, number, number[] | undefined]> = [
		['0 bytes', 0, undefined],
		['1 byte', 1, undefined],
		['small input in 1-byte pieces', 1000, [1]],
		['odd piece sizes', 2 * CHUNK_SIZE + 12345, [7, 65_537, 1_000_003, 1]],
		['exactly 1 MiB in one piece', CHUNK_SIZE, undefined],
		['exactly 2 MiB in 1 MiB - 1 pieces', 2 * CHUNK_SIZE, [CHUNK_SIZE - 1]],
		['3 MiB + 1 in one piece', 3 * CHUNK_SIZE + 1, undefined],
		['3 MiB + 1 in 64 KiB pieces', 3 * CHUNK_SIZE + 1, [65_536]]
	];
	for (const [name, size, sizes] of cases) {
		it(name, async () => {
			const key = await generateDataKey();
			const ad = await manifestHeaderHash(header(name));
			const plain = randomBytesFast(size);
			const parts = await seal(plain, { key, ad }, sizes);
			const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
			// header, then one output per chunk, full-size frames except the last
			expect(parts).toHaveLength(1 + chunks);
			expect(parts[0]).toHaveLength(STREAM_HEADER_BYTES);
			for (const p of parts.slice(1, -1)) expect(p).toHaveLength(CHUNK_SIZE + CHUNK_OVERHEAD);
			const cipher = concatBytes(...parts);
			expect(cipher).toHaveLength(encryptedSize(size));
			const back = await open(cipher, { key, ad }, sizes && size < 5000 ? [1] : [99_991, 3]);
			expect(back.length).toBe(size);
			expect(bytesToHex(back.subarray(0, 64))).toBe(bytesToHex(plain.subarray(0, 64)));
			expect(Buffer.compare(back, plain)).toBe(0);
		});
	}

	it('reports cumulative plaintext progress after each chunk', async () => {
		const key = await generateDataKey();
		const seen: number[] = [];
		const size = 2 * CHUNK_SIZE + 5;
		await seal(randomBytesFast(size), { key, ad: new Uint8Array(0), onProgress: (n) => seen.push(n) });
		expect(seen).toEqual([CHUNK_SIZE, 2 * CHUNK_SIZE, size]);
	});

	it('streams: the first chunk comes out before the source is read to the end', async () => {
		const key = await generateDataKey();
		let pulled = 0;
		async function* source() {
			for (let i = 0; i < 64; i++) {
				pulled += 65_536;
				yield new Uint8Array(65_536);
			}
		}
		const gen = encryptStream(source(), { key, ad: new Uint8Array(0) });
		expect((await gen.next()).value).toHaveLength(STREAM_HEADER_BYTES);
		expect((await gen.next()).value).toHaveLength(CHUNK_SIZE + CHUNK_OVERHEAD);
		// one chunk plus the single piece that proved more data follows
		expect(pulled).toBe(CHUNK_SIZE + 65_536);
		await gen.return(undefined);
	});

	it('produces a different ciphertext each time (random header)', async () => {
		const key = await generateDataKey();
		const plain = new Uint8Array(100);
		const a = concatBytes(...(await seal(plain, { key, ad: new Uint8Array(0) })));
		const b = concatBytes(...(await seal(plain, { key, ad: new Uint8Array(0) })));
		expect(bytesToHex(a)).not.toBe(bytesToHex(b));
	});
});

describe('frozen secretstream vectors (regression)', () => {
	for (const v of vectors.vectors) {
		it(v.header.id, async () => {
			const cipher = fromHex(v.ciphertext);
			const opts = { key: fromHex(v.key), ad: fromHex(v.ad), chunkSize: v.header.chunk };
			for (const sizes of [[cipher.length || 1], [1], [5, 17, 41]]) {
				expect(bytesToHex(await open(cipher, opts, sizes))).toBe(v.plaintext);
			}
			const last = cipher.slice();
			last[last.length - 1] ^= 1;
			await expectDecryptionFailed(last, opts);
		});
	}
});

describe('property: round trip with a small chunk size and arbitrary splits', () => {
	test.prop([
		fc.uint8Array({ maxLength: 300 }),
		fc.integer({ min: 1, max: 40 }),
		fc.array(fc.nat({ max: 400 }), { maxLength: 12 }),
		fc.array(fc.nat({ max: 500 }), { maxLength: 12 })
	])('decrypt(encrypt(x)) = x', async (plain, chunkSize, plainCuts, cipherCuts) => {
		const key = await generateDataKey();
		const ad = new Uint8Array([1, 2, 3]);
		const cipher = await collect(encryptStream(splitAt(plain, plainCuts), { key, ad, chunkSize }));
		expect(cipher).toHaveLength(encryptedSize(plain.length, chunkSize));
		const back = await collect(decryptStream(splitAt(cipher, cipherCuts), { key, ad, chunkSize }));
		expect(bytesToHex(back)).toBe(bytesToHex(plain));
	});

	test.prop([fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 1, max: 32 }), fc.nat(), fc.integer({ min: 1, max: 255 })])(
		'any single flipped byte is detected',
		async (plain, chunkSize, position, mask) => {
			const key = await generateDataKey();
			const ad = new Uint8Array(0);
			const cipher = await collect(encryptStream(pieces(plain), { key, ad, chunkSize }));
			cipher[position % cipher.length] ^= mask;
			await expectDecryptionFailed(cipher, { key, ad, chunkSize });
		}
	);

	test.prop([fc.uint8Array({ minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 32 }), fc.nat()])(
		'any truncation is detected',
		async (plain, chunkSize, cut) => {
			const key = await generateDataKey();
			const ad = new Uint8Array(0);
			const cipher = await collect(encryptStream(pieces(plain), { key, ad, chunkSize }));
			await expectDecryptionFailed(cipher.subarray(0, cut % cipher.length), { key, ad, chunkSize });
		}
	);
});

describe('failures all throw DecryptionFailedError', () => {
	const chunkSize = 64;
	async function fixture() {
		const key = await generateDataKey();
		const ad = await manifestHeaderHash(header('f', chunkSize));
		const plain = randomBytesFast(3 * chunkSize + 10); // 3 full chunks + a short final one
		const parts = await seal(plain, { key, ad, chunkSize });
		expect(parts).toHaveLength(5);
		return { key, ad, plain, parts, cipher: concatBytes(...parts), opts: { key, ad, chunkSize } };
	}

	it('flipped byte in a middle chunk, after yielding the chunks before it', async () => {
		const { parts, opts, plain } = await fixture();
		const bad = parts.map((p) => p.slice());
		bad[2][10] ^= 0x80;
		const got: Uint8Array[] = [];
		const err = await (async () => {
			for await (const p of decryptStream(pieces(concatBytes(...bad)), opts)) got.push(p);
		})().catch((e: unknown) => e);
		expect(err).toBeInstanceOf(DecryptionFailedError);
		expect(got).toHaveLength(1);
		expect(bytesToHex(got[0])).toBe(bytesToHex(plain.subarray(0, chunkSize)));
	});

	it('flipped byte in the header', async () => {
		const { cipher, opts } = await fixture();
		const bad = cipher.slice();
		bad[3] ^= 1;
		await expectDecryptionFailed(bad, opts);
	});

	it('truncated: last chunk removed', async () => {
		const { parts, opts } = await fixture();
		await expectDecryptionFailed(concatBytes(...parts.slice(0, -1)), opts);
	});

	it('truncated: last bytes cut', async () => {
		const { cipher, opts } = await fixture();
		for (const n of [1, 5, 16, 17, 27]) await expectDecryptionFailed(cipher.subarray(0, cipher.length - n), opts);
	});

	it('two chunks swapped', async () => {
		const { parts, opts } = await fixture();
		await expectDecryptionFailed(concatBytes(parts[0], parts[2], parts[1], parts[3], parts[4]), opts);
	});

	it('a chunk duplicated', async () => {
		const { parts, opts } = await fixture();
		await expectDecryptionFailed(concatBytes(parts[0], parts[1], parts[1], parts[2], parts[3], parts[4]), opts);
	});

	it('wrong key', async () => {
		const { cipher, opts } = await fixture();
		await expectDecryptionFailed(cipher, { ...opts, key: await generateDataKey() });
	});

	it('wrong associated data (another record id)', async () => {
		const { cipher, opts } = await fixture();
		await expectDecryptionFailed(cipher, { ...opts, ad: await manifestHeaderHash(header('g', chunkSize)) });
	});

	it('wrong chunk size', async () => {
		const { cipher, opts } = await fixture();
		await expectDecryptionFailed(cipher, { ...opts, chunkSize: 32 });
	});

	it('header cut short, and an empty stream', async () => {
		const { cipher, opts } = await fixture();
		await expectDecryptionFailed(cipher.subarray(0, 23), opts);
		await expectDecryptionFailed(cipher.subarray(0, 24), opts);
		await expectDecryptionFailed(new Uint8Array(0), opts);
	});

	it('trailing garbage after the final chunk', async () => {
		const { cipher, opts } = await fixture();
		await expectDecryptionFailed(concatBytes(cipher, new Uint8Array([0])), opts);
		await expectDecryptionFailed(splitAt(concatBytes(cipher, new Uint8Array(100)), [cipher.length]), opts);
	});

	it('a final chunk of exactly chunkSize followed by garbage', async () => {
		const key = await generateDataKey();
		const ad = new Uint8Array(0);
		const cipher = await collect(encryptStream(pieces(new Uint8Array(2 * chunkSize)), { key, ad, chunkSize }));
		await expectDecryptionFailed(concatBytes(cipher, new Uint8Array(chunkSize + CHUNK_OVERHEAD)), { key, ad, chunkSize });
	});
});

describe('input checks', () => {
	it('rejects keys of the wrong length with an exact message', async () => {
		const err = await collect(encryptStream(pieces(new Uint8Array(1)), { key: new Uint8Array(31), ad: new Uint8Array(0) })).catch(
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(InvalidInputError);
		expect((err as Error).message).toBe('key: expected Uint8Array of length 32, got length=31');
		await expect(collect(decryptStream(pieces(new Uint8Array(1)), { key: new Uint8Array(33), ad: new Uint8Array(0) }))).rejects.toThrow(
			'key: expected Uint8Array of length 32, got length=33'
		);
	});

	it('rejects a source yielding something other than bytes', async () => {
		const key = await generateDataKey();
		async function* bad() {
			yield 'text' as unknown as Uint8Array;
		}
		await expect(collect(encryptStream(bad(), { key, ad: new Uint8Array(0) }))).rejects.toThrow(InvalidInputError);
	});

	it('rejects absurd chunk sizes', async () => {
		const key = await generateDataKey();
		await expect(collect(encryptStream(pieces(new Uint8Array(1)), { key, ad: new Uint8Array(0), chunkSize: 0 }))).rejects.toThrow(InvalidInputError);
		await expect(collect(decryptStream(pieces(new Uint8Array(1)), { key, ad: new Uint8Array(0), chunkSize: 2 ** 30 }))).rejects.toThrow(InvalidInputError);
	});
});
