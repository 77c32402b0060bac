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
		/** The local peer's Pinning Service API (its token is not in the public config). */
		pinning: { endpoint: string; token: string };
	}
}

export default async function setup(project: TestProject) {
	const stack = await startStack({ log: (line) => console.log(`[stack] ${line}`) });
	project.provide('url', stack.url);
	project.provide('rpcUrl', stack.rpcUrl);
	project.provide('config', stack.config);
	project.provide('pinning', stack.pinning);
	console.log(`[stack] site ${stack.url}, chain ${stack.rpcUrl}, IPFS ${stack.config.ipfsPeers.join(' ')}, gateway ${stack.config.gateways.join(' ')}`);
	return () => stack.stop();
}
