// Lint rules beside svelte-check's type checks: the recommended sets of
// ESLint, typescript-eslint and eslint-plugin-svelte, plus the layering rule
// (README "Code map"): imports point down the layers and never in a circle.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

// Layers, bottom to top. A file may import from its own layer and the ones below it, never above.
// Within a layer, import-x/no-cycle keeps the arrows from running in a circle.
const BOTTOM = ['./src/lib/errors.ts', './src/lib/types.ts', './src/lib/config.ts', './src/lib/framing.ts'];
const PURE = ['./src/lib/crypto', './src/lib/records'];
const VAULT = ['./src/lib/vault'];
const ADAPTERS = ['./src/lib/ipfs', './src/lib/chain', './src/lib/wallet', './src/lib/storage', './src/lib/workers'];
const STATE = ['./src/lib/state'];
const UI = ['./src/lib/components', './src/routes'];
const LAYERS = [BOTTOM, PURE, VAULT, ADAPTERS, STATE, UI];
const NAMES = ['the bottom (errors, types, config)', 'crypto/records', 'vault', 'an adapter', 'state', 'components/routes'];
const layerZones = LAYERS.flatMap((layer, i) =>
	LAYERS.slice(i + 1).flatMap((above, j) =>
		layer.map((target) => ({
			target,
			from: above,
			message: `Layering: ${NAMES[i]} may not import ${NAMES[i + 1 + j]} (arrows point down; README "Code map").`
		}))
	)
);
// The pure core never pulls in the browser, the UI framework, IPFS or a network transport.
const pureImports = {
	patterns: [
		{ group: ['svelte', 'svelte/*', '$app/*'], message: 'Layering: the pure core (crypto, records, vault) never imports Svelte or $app.' },
		{ group: ['helia', '@helia/*', 'libp2p', '@libp2p/*', 'blockstore-*', 'datastore-*'], message: 'Layering: the pure core never imports IPFS; take a port instead.' },
		{ group: ['viem', 'viem/*', '!viem/accounts', '!viem/utils'], importNames: ['http', 'custom', 'webSocket', 'fallback', 'createPublicClient', 'createWalletClient', 'createClient'], message: 'Layering: the pure core never builds a viem client or transport; take a port instead.' },
		{ group: ['viem/actions'], message: 'Layering: the pure core never calls the chain; take a port instead.' }
	]
};

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
		files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.svelte'],
		plugins: { 'import-x': importX },
		settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
		rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] }
	},
	{
		// Tests and fixtures may reach across layers to build what they check; the app's own files may not.
		files: ['src/**/*.ts', 'src/**/*.svelte'],
		ignores: ['**/*.test.ts', '**/testkit.ts', '**/*.fixture.svelte'],
		rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] }
	},
	{
		files: ['src/lib/crypto/**', 'src/lib/records/**', 'src/lib/vault/**'],
		ignores: ['**/*.test.ts'],
		rules: { 'no-restricted-imports': ['error', pureImports] }
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
