// `npm test`: every check, in order, on real parts. Exits non-zero if any fails
// and ends with one plain "N passed, N failed" line summing all test runners.
// A test file that fails to load (syntax error, missing import, a throwing
// beforeAll) counts as one failure, and so does a check step without tests
// (types, lint, build) that fails: nothing broken can hide behind "0 failed".
// Every step runs even after an earlier one failed, so the closing line counts
// the failures of all of them; only the browser tests, which need the build,
// are not run after a failed build (and count as one failure).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countVitestReport } from './testCount.mjs';

const out = mkdtempSync(join(tmpdir(), 'carevault-test-'));
const steps = [
	{ name: 'types and svelte checks', cmd: ['npx', 'svelte-kit', 'sync'] },
	{ name: 'types and svelte checks', cmd: ['npx', 'svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings'] },
	{ name: 'lint (rules and layering)', cmd: ['npm', 'run', 'lint'] },
	{
		name: 'unit and contract tests (node, real anvil, real Helia, real libsodium)',
		cmd: ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'unit.json')}`],
		report: join(out, 'unit.json')
	},
	{ name: 'static build', cmd: ['npm', 'run', 'build'], isBuild: true },
	{
		name: 'browser end-to-end tests (Chromium, real anvil, local IPFS peer)',
		needsBuild: true,
		cmd: ['node', 'tests/e2e/run.mjs', '--no-build', '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, 'e2e.json')}`],
		report: join(out, 'e2e.json')
	}
];

let passed = 0;
let failed = 0;
let broken = false;
let buildFailed = false;
for (const step of steps) {
	if (step.needsBuild && buildFailed) {
		console.error(`\n✗ ${step.name} not run: the build failed (counted as a failure)`);
		failed += 1;
		continue;
	}
	console.log(`\n=== ${step.name}: ${step.cmd.join(' ')}`);
	const res = spawnSync(step.cmd[0], step.cmd.slice(1), { stdio: 'inherit', env: process.env });
	let counted = { passed: 0, failed: 0 };
	if (step.report && existsSync(step.report)) {
		counted = countVitestReport(JSON.parse(readFileSync(step.report, 'utf8')));
		for (const file of counted.brokenFiles) console.error(`✗ ${file}: failed to load or run (counted as a failure)`);
	}
	passed += counted.passed;
	failed += counted.failed;
	if (res.status !== 0) {
		// A step that failed without any counted failure (a check, a build, a
		// runner that crashed before writing its report) is one failure.
		if (counted.failed === 0) failed += 1;
		console.error(`\n✗ ${step.name} failed (exit ${res.status ?? res.signal})`);
		broken = true;
		if (step.isBuild) buildFailed = true;
	}
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 ? 1 : 0);
