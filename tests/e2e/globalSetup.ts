/**
 * Starts one stack (anvil on a free port, contracts, IPFS peer, the built site)
 * for the whole e2e run and hands its coordinates to specs through `inject`.
 */
import type { TestProject } from 'vitest/node';
import type { AppConfig } from '../../src/lib/config';
import { startStack } from '../../scripts/stack.mjs';

declare module 'vitest' {
	export interface ProvidedContext {
		url: string;
		rpcUrl: string;
		config: AppConfig;
	}
}

export default async function setup(project: TestProject) {
	const stack = await startStack({ log: (line) => console.log(`[stack] ${line}`) });
	project.provide('url', stack.url);
	project.provide('rpcUrl', stack.rpcUrl);
	project.provide('config', stack.config);
	console.log(`[stack] site ${stack.url}, chain ${stack.rpcUrl}, IPFS ${stack.config.ipfsPeers.join(' ')}`);
	return () => stack.stop();
}
