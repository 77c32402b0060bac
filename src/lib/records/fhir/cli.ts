/**
 * The `npm run fhir` command, kept free of Node APIs: scripts/fhir.mjs passes
 * the arguments and a file reader, and prints what this returns. It runs the
 * same import, reconciliation and de-identification code as the app.
 */
import { messageOf } from '../../errors';
import { currentLists } from '../reconcile';
import { CATEGORIES, isCategory, type Category } from '../model';
import { deidentifyPatient } from './deidentify';
import { listPatients, parseFhirFiles, selectPatient, type ImportFile } from './import';
import { FhirImportError, PatientNotFoundError } from './errors';

export interface CliResult {
	exitCode: number;
	stdout: string;
	stderr: string;
}

export const USAGE = `Usage:
  npm run fhir -- summary <file.json|file.ndjson ...> [--patient <id>]
      Prints the current medications, active problems and allergies of one patient as JSON.
  npm run fhir -- patients <file.json|file.ndjson ...>
      Lists the patients in the files.
  npm run fhir -- deidentify <file.json|file.ndjson ...> [--patient <id>] [--categories <a,b,...>]
      Prints one patient's data de-identified (HIPAA Safe Harbor) as a FHIR R4 Bundle, as the
      app releases it to a researcher. What was left out, and why, goes to stderr.
`;

function parseArgs(args: readonly string[]): { command?: string; files: string[]; patient?: string; categories?: Category[]; error?: string } {
	const [command, ...rest] = args;
	const files: string[] = [];
	let patient: string | undefined;
	let categories: Category[] | undefined;
	const readCategories = (list: string | undefined) => {
		const names = (list ?? '').split(',').map((c) => c.trim()).filter(Boolean);
		const bad = names.filter((c) => !isCategory(c));
		if (names.length === 0 || bad.length) return `--categories takes a comma-separated list of: ${CATEGORIES.join(', ')}${bad.length ? ` (not a category: ${bad.join(', ')})` : ''}.`;
		categories = names as Category[];
	};
	for (let i = 0; i < rest.length; i++) {
		const a = rest[i];
		if (a === '--patient') {
			patient = rest[++i];
			if (!patient) return { command, files, error: '--patient needs a patient id.' };
		} else if (a.startsWith('--patient=')) patient = a.slice('--patient='.length);
		else if (a === '--categories' || a.startsWith('--categories=')) {
			const error = readCategories(a === '--categories' ? rest[++i] : a.slice('--categories='.length));
			if (error) return { command, files, error };
		}
		else if (a.startsWith('--')) return { command, files, error: `unknown option ${a}.` };
		else files.push(a);
	}
	return { command, files, patient, categories };
}

export async function runFhirCli(
	args: readonly string[],
	readFile: (path: string) => Promise<string>
): Promise<CliResult> {
	const out = (stdout: string, stderr = ''): CliResult => ({ exitCode: 0, stdout, stderr });
	const fail = (exitCode: number, message: string, stderr = ''): CliResult => ({ exitCode, stdout: '', stderr: `${stderr}error: ${message}\n` });
	const parsed = parseArgs(args);
	if (parsed.error) return fail(2, `${parsed.error}\n${USAGE}`);
	if (parsed.command !== 'summary' && parsed.command !== 'patients' && parsed.command !== 'deidentify')
		return fail(2, `${parsed.command ? `unknown command "${parsed.command}".` : 'no command given.'}\n${USAGE}`);
	if (parsed.files.length === 0) return fail(2, `no FHIR file given.\n${USAGE}`);

	const files: ImportFile[] = [];
	for (const name of parsed.files) {
		try {
			files.push({ name, text: await readFile(name) });
		} catch (cause) {
			return fail(1, `${name}: cannot read the file (${cause instanceof Error ? cause.message : String(cause)}).`);
		}
	}
	try {
		const source = parseFhirFiles(files);
		const patients = listPatients(source);
		if (parsed.command === 'patients') return out(`${JSON.stringify(patients, null, 2)}\n`);

		const warnings = source.skipped.map((s) => `warning: ${s.message}\n`).join('');
		let id = parsed.patient;
		if (id === undefined) {
			if (patients.length === 0) return fail(1, 'these files hold no patient and no resource that refers to one.', warnings);
			if (patients.length > 1)
				return fail(
					2,
					`these files hold ${patients.length} patients; choose one with --patient <id>:\n${patients
						.map((p) => `  ${p.id}${p.name ? `  ${p.name}` : ''}${p.birthDate ? `  born ${p.birthDate}` : ''}  (${p.resourceCount} resources)`)
						.join('\n')}`,
					warnings
				);
			id = patients[0].id;
		}
		const chosen = selectPatient(source, id);
		if (parsed.command === 'deidentify') {
			const result = deidentifyPatient(chosen.resources, parsed.categories ? { categories: parsed.categories } : {});
			const reasons = new Map<string, number>();
			for (const n of result.leftOut) reasons.set(n.reason, (reasons.get(n.reason) ?? 0) + 1);
			const leftOut = [...reasons].map(([reason, n]) => `note: ${n} resource${n === 1 ? '' : 's'} left out: ${reason}\n`).join('');
			return out(`${JSON.stringify(result.bundle, null, 2)}\n`, warnings + leftOut);
		}
		const sourced = chosen.entries.map((e) => ({ resource: e.resource, source: `import: ${e.at.file}` }));
		const lists = currentLists(sourced);
		const notImported = chosen.notImported.filter((n) => !source.skipped.includes(n)).map((s) => `warning: ${s.message}\n`).join('');
		return out(`${JSON.stringify(lists, null, 2)}\n`, warnings + notImported);
	} catch (err) {
		if (err instanceof FhirImportError) return fail(1, messageOf(err));
		if (err instanceof PatientNotFoundError) return fail(2, messageOf(err));
		throw err;
	}
}
