import { describe, expect, test } from 'vitest';
import { isFramed } from './framing';

describe('isFramed', () => {
	test('a top-level window is not framed', () => {
		const win: { top: unknown; self: unknown } = { top: null, self: null };
		win.top = win;
		win.self = win;
		expect(isFramed(win)).toBe(false);
	});

	test('a window whose top is another window is framed', () => {
		const win: { top: unknown; self: unknown } = { top: {}, self: null };
		win.self = win;
		expect(isFramed(win)).toBe(true);
	});

	test('a window that throws when asked for its top counts as framed', () => {
		const win = {
			get top(): unknown {
				throw new DOMException('Blocked a frame', 'SecurityError');
			},
			self: {}
		};
		expect(isFramed(win)).toBe(true);
	});
});
