import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
	plugins: [sveltekit()],
	build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
	// The encryption worker imports libsodium, whose loader uses top-level await.
	worker: { format: 'es' },
	optimizeDeps: { exclude: ['@nucypher/umbral-pre'] },
	test: {
		include: ['src/**/*.test.ts', 'contracts/test/**/*.test.ts', 'scripts/**/*.test.ts'],
		environment: 'node',
		setupFiles: ['./tests/setup/polyfills.ts'],
		// interface-blockstore-tests imports aegir's chai, which it does not ship: a small stand-in.
		alias: { 'aegir/chai': fileURLToPath(new URL('./tests/setup/aegir-chai.ts', import.meta.url)) },
		server: { deps: { inline: ['interface-blockstore-tests'] } },
		// A safety net for hung tests, not a speed target: on a loaded 2-core machine a
		// vault test (Argon2id MODERATE, several anvil transactions) can pass 60 s.
		testTimeout: 180_000,
		hookTimeout: 120_000,
		pool: 'forks'
	}
});
