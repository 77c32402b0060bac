// Part of `npm run lint`: fails when modules under src/ import each other in a
// circle. ESLint's import-x/no-cycle skips `import type`, but a type-only
// circle still ties two layers together (README "Code map"), so this counts
// every import: value, type, re-export and dynamic import(). Exit 1 lists each
// circle; exit 0 prints nothing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const srcDir = join(root, 'src');
const lib = join(srcDir, 'lib');

function* walk(dir) {
	for (const name of readdirSync(dir)) {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) yield* walk(path);
		else if (/\.(ts|js|svelte)$/.test(name)) yield path;
	}
}

const isFile = (path) => {
	try {
		return statSync(path).isFile();
	} catch {
		return false;
	}
};

/** Where `spec` imported from `from` lives inside src/, or null for a package. */
function resolveImport(from, spec) {
	let base;
	if (spec.startsWith('$lib/') || spec === '$lib') base = join(lib, spec.slice(5));
	else if (spec.startsWith('.')) base = resolve(dirname(from), spec);
	else return null;
	for (const candidate of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')])
		if (isFile(candidate)) return candidate;
	return null;
}

function importsOf(path) {
	let text = readFileSync(path, 'utf8');
	if (path.endsWith('.svelte')) text = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
	const { importedFiles } = ts.preProcessFile(text, true, true);
	return importedFiles.map((f) => resolveImport(path, f.fileName)).filter((p) => p !== null);
}

const graph = new Map();
for (const file of walk(srcDir)) graph.set(file, importsOf(file));

// Tarjan's strongly connected components: every component of more than one
// module (or a module importing itself) is a circle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const circles = [];
function connect(v) {
	index.set(v, counter);
	low.set(v, counter++);
	stack.push(v);
	onStack.add(v);
	for (const w of graph.get(v) ?? []) {
		if (!index.has(w)) {
			connect(w);
			low.set(v, Math.min(low.get(v), low.get(w)));
		} else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
	}
	if (low.get(v) === index.get(v)) {
		const component = [];
		let w;
		do {
			w = stack.pop();
			onStack.delete(w);
			component.push(w);
		} while (w !== v);
		if (component.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(component);
	}
}
for (const v of graph.keys()) if (!index.has(v)) connect(v);

if (circles.length > 0) {
	console.error(`${circles.length} import circle(s) under src/ (type imports count too; README "Code map"):`);
	for (const c of circles) {
		const members = new Set(c);
		console.error(`\n  ${c.length} modules:`);
		for (const m of c.sort())
			console.error(`    ${relative(root, m)} -> ${(graph.get(m) ?? []).filter((d, i, all) => members.has(d) && all.indexOf(d) === i).map((d) => relative(root, d)).join(', ')}`);
	}
	process.exit(1);
}
