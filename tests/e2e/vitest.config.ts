import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Browser specs against the built site: one stack for the run (globalSetup),
// one spec file at a time (each launches its own Chromium profiles).
export default defineConfig({
	root: fileURLToPath(new URL('../..', import.meta.url)),
	test: {
		include: ['tests/e2e/**/*.e2e.ts'],
		globalSetup: ['tests/e2e/globalSetup.ts'],
		setupFiles: ['tests/setup/polyfills.ts'],
		environment: 'node',
		pool: 'forks',
		fileParallelism: false,
		testTimeout: 180_000,
		hookTimeout: 180_000,
		teardownTimeout: 60_000
	}
});
