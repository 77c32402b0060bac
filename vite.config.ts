import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

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
		// A safety net for hung tests, not a speed target: on a loaded 2-core machine a
		// vault test (Argon2id MODERATE, several anvil transactions) can pass 60 s.
		testTimeout: 180_000,
		hookTimeout: 120_000,
		pool: 'forks'
	}
});
