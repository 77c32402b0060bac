import { describe, expect, it } from 'vitest';
import { CarevaultError, errorChain } from './errors';
import { isAddress } from './types';

describe('errorChain: the one walker of nested errors', () => {
	it('visits the error, then its causes before data and originalError (where MetaMask Mobile hides codes)', () => {
		const hidden = { code: 4902 };
		const viem = new Error('viem', { cause: { code: -32603, data: { originalError: hidden } } });
		const chain = errorChain(new CarevaultError('ours', { cause: viem }));
		expect(chain.map((e) => e.code ?? e.message)).toEqual(['ours', 'viem', -32603, undefined, 4902]);
		expect(errorChain(viem, ['cause']).at(-1)).toEqual({ code: -32603, data: { originalError: hidden } });
	});

	it('ends on a cyclic or endless chain, and walk() finds the deepest cause or the first accepted', () => {
		const a: { cause?: unknown } = {};
		a.cause = { cause: a };
		expect(errorChain(a)).toHaveLength(2);
		let deep: unknown = { code: 1 };
		for (let i = 0; i < 100; i++) deep = { cause: deep };
		expect(errorChain(deep)).toHaveLength(32);
		const err = new CarevaultError('top', { cause: new Error('mid', { cause: { code: 4001 } }) });
		expect(err.walk()).toEqual({ code: 4001 });
		expect(err.walk((e) => e instanceof Error && e.message === 'mid')).toBeInstanceOf(Error);
		expect(err.walk(() => false)).toBeNull();
	});
});

describe('isAddress: the one address check', () => {
	it('takes 0x and 40 hex digits in any case, nothing else', () => {
		expect(isAddress('0x' + 'aB'.repeat(20))).toBe(true);
		for (const bad of ['0x' + 'a'.repeat(39), '0x' + 'a'.repeat(41), '0X' + 'a'.repeat(40), '0x' + 'g'.repeat(40), ' 0x' + 'a'.repeat(40), 42, null])
			expect(isAddress(bad)).toBe(false);
	});
});
