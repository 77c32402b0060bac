// Lint rules beside svelte-check's type checks: the recommended sets of
// ESLint, typescript-eslint and eslint-plugin-svelte, nothing project-specific.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	{ ignores: ['build/', '.svelte-kit/', 'bench/.dist/', 'node_modules/', 'contracts/generated/', '.carevault/'] },
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{ languageOptions: { globals: { ...globals.browser, ...globals.node } } },
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig } }
	},
	{
		files: ['**/*.ts', '**/*.svelte'],
		// TypeScript already reports undefined names, and knows DOM types such as BlobPart that this rule does not.
		rules: { 'no-undef': 'off' }
	},
	{
		rules: {
			// Hash routing: in-app links and goto() take '#/...' fragments, which resolve() (base path +
			// '#') would turn into a different document URL under a sub-path. Dynamic hrefs here are
			// blob: download links, not routes.
			'svelte/no-navigation-without-resolve': ['error', { ignoreGoto: true, ignoreLinks: true }],
			// Flags every Date and Set inside .svelte.ts files, including local values in methods and
			// pure helpers; our state classes keep collections in $state and replace them instead.
			'svelte/prefer-svelte-reactivity': 'off',
			// `_`-prefixed names are deliberately unused (loop drains, ignored tuple parts).
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }]
		}
	}
);
