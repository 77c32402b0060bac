/**
 * `SegmentDir` over a node directory (tests, and any node-side use): one
 * file per segment, `<id>.seg`, synchronous like an OPFS access handle.
 */
import { closeSync, fsyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentDir, SegmentFile } from './format';

export function nodeSegmentDir(path: string): SegmentDir {
	mkdirSync(path, { recursive: true });
	return {
		async list() {
			return readdirSync(path)
				.map((name) => /^(\d+)\.seg$/.exec(name)?.[1])
				.filter((id): id is string => id !== undefined)
				.map(Number);
		},
		async open(id) {
			return nodeSegmentFile(join(path, `${id}.seg`));
		},
		async remove(id) {
			rmSync(join(path, `${id}.seg`), { force: true });
		}
	};
}

export function nodeSegmentFile(file: string): SegmentFile {
	let fd: number | null = openSync(file, 'a+');
	// 'a+' would force every write to the end; reopen read-write once the file exists.
	closeSync(fd);
	fd = openSync(file, 'r+');
	const open = () => {
		if (fd === null) throw new Error(`${file} is closed`);
		return fd;
	};
	return {
		read: (buf, at) => readSync(open(), buf, 0, buf.length, at),
		write: (buf, at) => writeSync(open(), buf, 0, buf.length, at),
		size: () => fstatSync(open()).size,
		truncate: (size) => ftruncateSync(open(), size),
		flush: () => fsyncSync(open()),
		close: () => {
			if (fd !== null) closeSync(fd);
			fd = null;
		}
	};
}
