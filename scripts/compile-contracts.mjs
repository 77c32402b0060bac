// `npm run contracts`: compiles contracts/src/*.sol and writes the typed ABI and
// bytecode module the app imports. Exits non-zero on any compiler error.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_MODULE, ROOT, compileContracts, renderGeneratedModule } from './solc-build.mjs';

try {
	const result = compileContracts();
	for (const w of result.warnings) console.warn(w);
	const text = renderGeneratedModule(result);
	const target = join(ROOT, GENERATED_MODULE);
	const unchanged = existsSync(target) && readFileSync(target, 'utf8') === text;
	if (!unchanged) writeFileSync(target, text);
	console.log(
		`${unchanged ? 'unchanged' : 'wrote'} ${GENERATED_MODULE}: ${result.contracts.map((c) => c.name).join(', ')} (solc ${result.solcVersion})`
	);
} catch (err) {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
}
