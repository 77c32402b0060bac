import { describe, expect, test } from 'vitest';
import { createWalletClient, custom } from 'viem';
import { hasRpcCode, toWalletError, WalletCancelledError, WalletRequestFailedError, WrongChainError } from './errors';
import { CarevaultError } from '../errors';

const rejecting = (error: object) => ({
	request: async () => {
		throw Object.assign(new Error('provider error'), error);
	}
});

describe('wallet errors', () => {
	test('a 4001 from the provider, wrapped by viem, becomes WalletCancelledError', async () => {
		const client = createWalletClient({ transport: custom(rejecting({ code: 4001, message: 'User rejected the request.' }), { retryCount: 0 }) });
		const err = await client.requestAddresses().catch((e: unknown) => e);
		const mapped = toWalletError('eth_requestAccounts', err);
		expect(mapped).toBeInstanceOf(WalletCancelledError);
		expect(mapped.shortMessage).toBe('Cancelled in your wallet.');
		expect(mapped.cause).toBe(err);
	});

	test('4001 is found deep in a cause chain and in MetaMask Mobile data.originalError', () => {
		const deep = new Error('outer', { cause: new Error('middle', { cause: { code: 4001 } }) });
		expect(toWalletError('personal_sign', deep)).toBeInstanceOf(WalletCancelledError);
		expect(hasRpcCode({ code: -32603, data: { originalError: { code: 4902 } } }, 4902)).toBe(true);
		expect(hasRpcCode({ code: -32603 }, 4902)).toBe(false);
	});

	test('other provider failures become WalletRequestFailedError naming the method', async () => {
		const client = createWalletClient({ transport: custom(rejecting({ code: -32603, message: 'Internal error' }), { retryCount: 0 }) });
		const err = await client.getChainId().catch((e: unknown) => e);
		const mapped = toWalletError('eth_chainId', err);
		expect(mapped).toBeInstanceOf(WalletRequestFailedError);
		expect((mapped as WalletRequestFailedError).method).toBe('eth_chainId');
		expect(mapped.name).toBe('WalletRequestFailedError');
	});

	test('our own errors pass through unchanged', () => {
		const own = new WrongChainError(1, { chainId: 31337, chainName: 'Anvil' });
		expect(toWalletError('x', own)).toBe(own);
		expect(own).toBeInstanceOf(CarevaultError);
		expect(own.shortMessage).toBe('Your wallet is on chain 1; Carevault uses Anvil (id 31337). Switch network?');
	});
});
