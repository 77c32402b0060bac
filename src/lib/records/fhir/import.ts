/**
 * FHIR R4 import: Bundles (any type), single resources and bulk-export NDJSON,
 * possibly several files holding several patients.
 *
 * All or nothing, never silently partial:
 * - A file that cannot be read as FHIR (malformed JSON, no `resourceType`, an
 *   empty file) throws `FhirImportError` naming the file and line (or Bundle
 *   entry); nothing of the whole import is returned.
 * - A well-formed resource that is not imported (a resource type Carevault does
 *   not import, a Bundle entry without a resource, a duplicate, a clinical
 *   resource that refers to no patient) is listed in `skipped` /
 *   `PatientImport.notImported` with its file, line and reason, so the UI shows
 *   exactly what did not land before the user confirms the import.
 *
 * Everything here is linear in the input: references are resolved through
 * maps built once per source.
 */
import { CATEGORIES, type Category, type ResourceSummary } from '../model';
import { categoryOfResourceType, describeResource, isEnteredInError } from '../fhirResource';
import { SHARED_TYPES, SUPPORTED_RESOURCE_TYPES } from './resourceTypes';
import { validateResource } from './validate';
import {
	FhirImportError,
	PatientNotFoundError,
	describeLocation,
	type SourceLocation
} from './errors';

export type { FhirResource } from './validate';
import type { FhirResource } from './validate';

export interface ImportFile {
	name: string;
	text: string;
}

export interface ImportEntry {
	resource: FhirResource;
	at: SourceLocation;
	/** The Bundle entry's fullUrl, used to resolve `urn:uuid:` references. */
	fullUrl?: string;
}

export interface SkippedResource {
	at: SourceLocation;
	resourceType?: string;
	id?: string;
	reason: string;
	/** The whole sentence to show: "Foo.ndjson line 3: AuditEvent ...". */
	message: string;
}

export interface ImportSource {
	files: string[];
	entries: ImportEntry[];
	skipped: SkippedResource[];
}

export interface ImportOptions {
	/** Called as the text is read: `done` and `total` count characters of input. */
	onProgress?: (done: number, total: number) => void;
}

export { SUPPORTED_RESOURCE_TYPES };

// Fields through which a resource names the patient it is about (R4 patient compartment, the common ones).
const PATIENT_FIELDS = ['subject', 'patient', 'beneficiary', 'for', 'target'];

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
// Bundles inside Bundles are legal; hundreds deep is an attack on the reader's stack.
const MAX_BUNDLE_NESTING = 8;

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineAtPosition(text: string, position: number): number {
	let line = 1;
	for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
	return line;
}

function jsonErrorLine(text: string, err: unknown): number | undefined {
	const msg = err instanceof Error ? err.message : '';
	const lineCol = /line (\d+) column \d+/.exec(msg);
	if (lineCol) return Number(lineCol[1]);
	const pos = /at position (\d+)/.exec(msg);
	if (pos) return lineAtPosition(text, Number(pos[1]));
	if (/end of (JSON )?input/i.test(msg)) return lineAtPosition(text, text.length);
	return undefined;
}

function syntaxDetail(err: unknown): string {
	// V8 quotes the surrounding text; a long line would flood the message.
	const msg = err instanceof Error ? err.message : String(err);
	return msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
}

interface Collector {
	entries: ImportEntry[];
	skipped: SkippedResource[];
	seen: Map<string, SourceLocation>;
}

function skip(c: Collector, at: SourceLocation, reason: string, resource?: Record<string, unknown>): void {
	const resourceType = typeof resource?.resourceType === 'string' ? resource.resourceType : undefined;
	const id = typeof resource?.id === 'string' ? resource.id : undefined;
	const what = resourceType ? `${resourceType}${id ? `/${id}` : ''}` : 'entry';
	c.skipped.push({ at, resourceType, id, reason, message: `${describeLocation(at)}: ${what} was not imported: ${reason}.` });
}

/** Adds one parsed JSON value (a resource, possibly a Bundle) found at `at`. */
function collect(c: Collector, value: unknown, at: SourceLocation, fullUrl?: string, bundleDepth = 0): void {
	if (!isObject(value))
		throw new FhirImportError(at, `expected a FHIR resource (a JSON object), found ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : `a ${typeof value}`}.`);
	const resourceType = value.resourceType;
	if (typeof resourceType !== 'string' || !RESOURCE_TYPE.test(resourceType))
		throw new FhirImportError(at, 'this is not a FHIR resource: it has no valid "resourceType".');
	if (value.id !== undefined && typeof value.id !== 'string')
		throw new FhirImportError(at, `this ${resourceType} has an "id" that is not a string.`);
	if (resourceType === 'Bundle') {
		if (bundleDepth >= MAX_BUNDLE_NESTING)
			throw new FhirImportError(at, `this Bundle is nested inside more than ${MAX_BUNDLE_NESTING} other Bundles.`);
		const entries = value.entry === undefined ? [] : value.entry;
		if (!Array.isArray(entries)) throw new FhirImportError(at, 'this Bundle has an "entry" that is not a list.');
		entries.forEach((e: unknown, i) => {
			// Entries of a Bundle inside an NDJSON line are still reported by that line.
			const where: SourceLocation = at.line !== undefined ? { ...at, entry: i + 1 } : { file: at.file, entry: i + 1 };
			if (!isObject(e)) throw new FhirImportError(where, 'this Bundle entry is not a JSON object.');
			if (e.resource === undefined) return skip(c, where, 'the Bundle entry holds no resource');
			collect(c, e.resource, where, typeof e.fullUrl === 'string' ? e.fullUrl : undefined, bundleDepth + 1);
		});
		return;
	}
	if (!SUPPORTED_RESOURCE_TYPES.has(resourceType))
		return skip(c, at, `${resourceType} is not a resource type Carevault imports`, value);
	// Well-formed but with fields the app cannot read (a text where a code belongs, a
	// number for a date, absurd nesting): left out and listed, like an unsupported type.
	const checked = validateResource(value);
	if (!checked.ok) return skip(c, at, `it cannot be read: ${checked.reason}`, value);
	const resource = checked.resource;
	if (resource.id !== undefined) {
		const key = `${resourceType}/${resource.id}`;
		const first = c.seen.get(key);
		if (first) return skip(c, at, `the same resource already came from ${describeLocation(first)}; that one was kept`, value);
		c.seen.set(key, at);
	}
	c.entries.push(fullUrl ? { resource, at, fullUrl } : { resource, at });
}

function isNdjsonName(name: string): boolean {
	return /\.(ndjson|jsonl)$/i.test(name);
}

/** One step per resource line / file; yields characters read so far. */
function* parseSteps(files: readonly ImportFile[], c: Collector): Generator<number, void, void> {
	let base = 0;
	for (const file of files) {
		const { name, text } = file;
		if (text.trim() === '') throw new FhirImportError({ file: name }, 'the file is empty.');
		if (!isNdjsonName(name)) {
			let whole: unknown;
			let failure: unknown;
			try {
				whole = JSON.parse(text);
			} catch (err) {
				failure = err;
			}
			if (failure === undefined) {
				collect(c, whole, { file: name });
				base += text.length;
				yield base;
				continue;
			}
			// A .json file may still be NDJSON: several lines, the first one a whole object.
			const firstLine = text.trimStart().split('\n', 1)[0];
			let firstIsObject: boolean;
			try {
				firstIsObject = isObject(JSON.parse(firstLine)) && firstLine.length < text.trim().length;
			} catch {
				firstIsObject = false;
			}
			if (!firstIsObject)
				throw new FhirImportError(
					{ file: name, line: jsonErrorLine(text, failure) },
					`not valid JSON (${syntaxDetail(failure)}).`,
					{ cause: failure }
				);
		}
		let start = 0;
		let lineNo = 0;
		while (start <= text.length) {
			let end = text.indexOf('\n', start);
			if (end === -1) end = text.length;
			lineNo++;
			const line = text.slice(start, end);
			if (line.trim() !== '') {
				let value: unknown;
				try {
					value = JSON.parse(line);
				} catch (err) {
					throw new FhirImportError({ file: name, line: lineNo }, `not valid JSON (${syntaxDetail(err)}).`, { cause: err });
				}
				collect(c, value, { file: name, line: lineNo });
			}
			start = end + 1;
			yield base + Math.min(start, text.length);
		}
		base += text.length;
	}
}

function progressReporter(files: readonly ImportFile[], onProgress?: (done: number, total: number) => void) {
	const total = files.reduce((n, f) => n + f.text.length, 0);
	let last = -1;
	const step = Math.max(1, Math.floor(total / 200));
	return {
		total,
		report(done: number, force = false) {
			if (!onProgress) return;
			if (force || done - last >= step) {
				last = done;
				onProgress(done, total);
			}
		}
	};
}

/**
 * Reads FHIR files (Bundle JSON, one resource JSON, or NDJSON) into one
 * import source. Throws `FhirImportError` (file and line) on anything that is
 * not FHIR; lists in `skipped` what is FHIR but not imported.
 */
export function parseFhirFiles(files: readonly ImportFile[], options: ImportOptions = {}): ImportSource {
	const c: Collector = { entries: [], skipped: [], seen: new Map() };
	const progress = progressReporter(files, options.onProgress);
	for (const done of parseSteps(files, c)) progress.report(done);
	progress.report(progress.total, true);
	return { files: files.map((f) => f.name), entries: c.entries, skipped: c.skipped };
}

/**
 * Same as `parseFhirFiles`, but gives the event loop a turn every few hundred
 * resources so a page can paint its progress bar; `signal` cancels.
 */
export async function parseFhirFilesAsync(
	files: readonly ImportFile[],
	options: ImportOptions & { signal?: AbortSignal } = {}
): Promise<ImportSource> {
	const c: Collector = { entries: [], skipped: [], seen: new Map() };
	const progress = progressReporter(files, options.onProgress);
	let n = 0;
	for (const done of parseSteps(files, c)) {
		progress.report(done);
		if (++n % 500 === 0) {
			await new Promise((resolve) => setTimeout(resolve, 0));
			options.signal?.throwIfAborted();
		}
	}
	progress.report(progress.total, true);
	return { files: files.map((f) => f.name), entries: c.entries, skipped: c.skipped };
}

// ---------------------------------------------------------------- patients

export interface PatientListing {
	/** The Patient's id (or the id other resources use for it when no Patient resource is present). */
	id: string;
	name?: string;
	birthDate?: string;
	gender?: string;
	/** Resources about this patient, the Patient resource included. */
	resourceCount: number;
	/** False when resources refer to this patient but no Patient resource is in the files. */
	hasPatientResource: boolean;
}

export interface PatientImport {
	patient: PatientListing;
	/** The Patient first (when present), then its resources and what they refer to, in input order. */
	entries: ImportEntry[];
	resources: FhirResource[];
	/**
	 * What the files hold that this import leaves out (besides other patients'
	 * resources): the source's `skipped`, and clinical resources that refer to
	 * no patient at all.
	 */
	notImported: SkippedResource[];
}

interface SourceIndex {
	byFullUrl: Map<string, ImportEntry>;
	byTypeId: Map<string, ImportEntry>;
	byIdentifier: Map<string, ImportEntry>;
	/** Patient keys each entry is about (empty for shared and unlinked resources). */
	patientsOf: Map<ImportEntry, string[]>;
	patients: Map<string, { entry?: ImportEntry; count: number }>;
}

const indexCache = new WeakMap<ImportSource, SourceIndex>();

function identifierKeys(resource: FhirResource): string[] {
	const ids = Array.isArray(resource.identifier) ? resource.identifier : [];
	const out: string[] = [];
	for (const idf of ids) {
		if (isObject(idf) && typeof idf.value === 'string')
			out.push(`${resource.resourceType}|${typeof idf.system === 'string' ? idf.system : ''}|${idf.value}`);
	}
	return out;
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}

const LITERAL_REF = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/;
const CONDITIONAL_REF = /^([A-Z][A-Za-z]+)\?identifier=([^&]*)/;

/** The entry a reference string points at, if it is in the source. */
function resolve(index: SourceIndex, ref: string): ImportEntry | undefined {
	const byUrl = index.byFullUrl.get(ref);
	if (byUrl) return byUrl;
	const literal = LITERAL_REF.exec(ref);
	if (literal) return index.byTypeId.get(`${literal[1]}/${literal[2]}`);
	const conditional = CONDITIONAL_REF.exec(ref);
	if (conditional) {
		const token = safeDecode(conditional[2]);
		const bar = token.indexOf('|');
		const key = bar === -1 ? `${conditional[1]}||${token}` : `${conditional[1]}|${token.slice(0, bar)}|${token.slice(bar + 1)}`;
		return index.byIdentifier.get(key);
	}
	return undefined;
}

function patientKeyOfEntry(e: ImportEntry): string {
	if (e.resource.id) return e.resource.id;
	if (e.fullUrl?.startsWith('urn:uuid:')) return e.fullUrl.slice('urn:uuid:'.length);
	return `(no id, ${describeLocation(e.at)})`;
}

/** The patient a reference string names, or undefined when it names something else. */
function patientKeyOfRef(index: SourceIndex, ref: string, field: string): string | undefined {
	const target = resolve(index, ref);
	if (target) return target.resource.resourceType === 'Patient' ? patientKeyOfEntry(target) : undefined;
	const literal = LITERAL_REF.exec(ref);
	if (literal) return literal[1] === 'Patient' ? literal[2] : undefined;
	if (ref.startsWith('Patient?')) return ref;
	// An unresolved urn:uuid in a patient field: Synthea uses the Patient's id as its uuid.
	if (ref.startsWith('urn:uuid:') && field !== 'target') return ref.slice('urn:uuid:'.length);
	return undefined;
}

function referencesIn(value: unknown): string[] {
	const out: string[] = [];
	if (Array.isArray(value)) {
		for (const v of value) if (isObject(v) && typeof v.reference === 'string') out.push(v.reference);
	} else if (isObject(value) && typeof value.reference === 'string') out.push(value.reference);
	return out;
}

function indexOf(source: ImportSource): SourceIndex {
	const cached = indexCache.get(source);
	if (cached) return cached;
	const index: SourceIndex = {
		byFullUrl: new Map(),
		byTypeId: new Map(),
		byIdentifier: new Map(),
		patientsOf: new Map(),
		patients: new Map()
	};
	for (const e of source.entries) {
		if (e.fullUrl) index.byFullUrl.set(e.fullUrl, e);
		if (e.resource.id) index.byTypeId.set(`${e.resource.resourceType}/${e.resource.id}`, e);
		for (const k of identifierKeys(e.resource)) if (!index.byIdentifier.has(k)) index.byIdentifier.set(k, e);
	}
	for (const e of source.entries) {
		if (e.resource.resourceType === 'Patient') {
			const key = patientKeyOfEntry(e);
			const p = index.patients.get(key) ?? { count: 0 };
			p.entry = e;
			p.count++;
			index.patients.set(key, p);
			index.patientsOf.set(e, [key]);
			continue;
		}
		const keys = new Set<string>();
		for (const field of PATIENT_FIELDS) {
			for (const ref of referencesIn(e.resource[field])) {
				const key = patientKeyOfRef(index, ref, field);
				if (key !== undefined) keys.add(key);
			}
		}
		index.patientsOf.set(e, [...keys]);
		for (const key of keys) {
			const p = index.patients.get(key) ?? { count: 0 };
			p.count++;
			index.patients.set(key, p);
		}
	}
	indexCache.set(source, index);
	return index;
}

function humanName(v: unknown): string | undefined {
	for (const n of Array.isArray(v) ? v : []) {
		if (!isObject(n)) continue;
		if (typeof n.text === 'string' && n.text) return n.text;
		const parts = [...(Array.isArray(n.given) ? n.given : []), n.family].filter(
			(p): p is string => typeof p === 'string' && p !== ''
		);
		if (parts.length) return parts.join(' ');
	}
	return undefined;
}

function listing(key: string, p: { entry?: ImportEntry; count: number }): PatientListing {
	const r = p.entry?.resource;
	const out: PatientListing = { id: key, resourceCount: p.count, hasPatientResource: r !== undefined };
	const name = r && humanName(r.name);
	if (name) out.name = name;
	if (r && typeof r.birthDate === 'string') out.birthDate = r.birthDate;
	if (r && typeof r.gender === 'string') out.gender = r.gender;
	return out;
}

/** The patients in the source, those with a Patient resource first, in input order. */
export function listPatients(source: ImportSource): PatientListing[] {
	const index = indexOf(source);
	const all = [...index.patients].map(([key, p]) => listing(key, p));
	return [...all.filter((p) => p.hasPatientResource), ...all.filter((p) => !p.hasPatientResource)];
}

function collectReferences(value: unknown, out: string[]): void {
	if (Array.isArray(value)) {
		for (const v of value) if (typeof v === 'object' && v !== null) collectReferences(v, out);
		return;
	}
	if (!isObject(value)) return;
	for (const k in value) {
		const v = value[k];
		if (k === 'reference' && typeof v === 'string') out.push(v);
		else if (typeof v === 'object' && v !== null && k !== 'contained') collectReferences(v, out);
	}
}

/**
 * Everything about one patient: its Patient resource, every resource that
 * refers to it (subject / patient / beneficiary / for / Provenance target),
 * and the practitioners, organizations, locations and medications those refer
 * to when the files hold them. Throws `PatientNotFoundError`.
 */
export function selectPatient(source: ImportSource, patientId: string): PatientImport {
	const index = indexOf(source);
	const p = index.patients.get(patientId);
	if (!p) throw new PatientNotFoundError(patientId, listPatients(source).map((l) => (l.name ? `${l.id} (${l.name})` : l.id)));
	const chosen = new Set<ImportEntry>();
	const work: ImportEntry[] = [];
	const notImported: SkippedResource[] = [...source.skipped];
	for (const e of source.entries) {
		const keys = index.patientsOf.get(e) ?? [];
		if (keys.includes(patientId)) {
			chosen.add(e);
			work.push(e);
		} else if (keys.length === 0 && !SHARED_TYPES.has(e.resource.resourceType) && e.resource.resourceType !== 'Patient') {
			const at = e.at;
			const what = `${e.resource.resourceType}${e.resource.id ? `/${e.resource.id}` : ''}`;
			const reason = 'it refers to no patient';
			notImported.push({ at, resourceType: e.resource.resourceType, id: e.resource.id, reason, message: `${describeLocation(at)}: ${what} was not imported: ${reason}.` });
		}
	}
	// Shared resources (practitioners, organizations, medications) the chosen ones refer to, transitively.
	const refs: string[] = [];
	while (work.length) {
		refs.length = 0;
		collectReferences(work.pop()!.resource, refs);
		for (const ref of refs) {
			const target = resolve(index, ref);
			if (target && !chosen.has(target) && SHARED_TYPES.has(target.resource.resourceType)) {
				chosen.add(target);
				work.push(target);
			}
		}
	}
	const entries = source.entries.filter((e) => chosen.has(e));
	const patientFirst = [
		...entries.filter((e) => e.resource.resourceType === 'Patient'),
		...entries.filter((e) => e.resource.resourceType !== 'Patient')
	];
	return { patient: listing(patientId, p), entries: patientFirst, resources: patientFirst.map((e) => e.resource), notImported };
}

// ---------------------------------------------------------------- vault records

/** The index summary of one resource: title, clinical date and code display names for search. */
export function summarizeResource(resource: FhirResource, fallbackId: string): ResourceSummary {
	const d = describeResource(resource);
	const codes = [...new Set(d.codes.map((c) => c.display ?? c.code).filter((c): c is string => !!c))];
	const out: ResourceSummary = { id: d.id ?? fallbackId, resourceType: d.resourceType, title: d.title, codes };
	if (d.date) out.date = d.date;
	if (isEnteredInError(resource)) out.enteredInError = true;
	return out;
}

export interface VaultGroup {
	category: Category;
	resources: FhirResource[];
	summaries: ResourceSummary[];
}

/** One group per category that has resources, in the vault's category order. */
export function groupForVault(patientImport: Pick<PatientImport, 'resources'>): VaultGroup[] {
	const groups = new Map<Category, VaultGroup>();
	patientImport.resources.forEach((resource, i) => {
		const summary = summarizeResource(resource, `${resource.resourceType}-${i + 1}`);
		const category = categoryOfResourceType(resource.resourceType);
		let g = groups.get(category);
		if (!g) groups.set(category, (g = { category, resources: [], summaries: [] }));
		g.resources.push(resource);
		g.summaries.push(summary);
	});
	return CATEGORIES.flatMap((c) => {
		const g = groups.get(c);
		return g ? [g] : [];
	});
}
