#!/usr/bin/env node
// `npm run fhir -- summary|patients|deidentify <files...> [--patient <id>]`: runs the app's own
// TypeScript import and reconciliation code (src/lib/records) through Vite's
// module runner, so there is no second implementation to drift.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const cli = fileURLToPath(new URL('../src/lib/records/fhir/cli.ts', import.meta.url));
const { module } = await runnerImport(cli, { configFile: false, logLevel: 'silent' });
const result = await module.runFhirCli(process.argv.slice(2), (path) => readFile(path, 'utf8'));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
