import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// A separate, plain Vite build for the benchmark page: no SvelteKit involved.
export default defineConfig({
	root: fileURLToPath(new URL('./browser', import.meta.url)),
	base: './',
	build: { outDir: fileURLToPath(new URL('./.dist', import.meta.url)), emptyOutDir: true, target: 'es2022' },
	worker: { format: 'es' },
	logLevel: 'warn'
});
