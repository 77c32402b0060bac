/**
 * Reconciled current lists: what the patient takes, has and is allergic to now,
 * across every record in the vault (all providers and imports).
 *
 * Rules (the same text is in RECONCILIATION.md and the README):
 *
 * Before any rule: a resource its source marked entered-in-error (`status`, or
 * any `verificationStatus` coding) is never current.
 * Current medications
 *   - MedicationRequest and MedicationStatement whose `status` is `active`.
 *     Every other status (stopped, completed, cancelled, entered-in-error,
 *     not-taken, on-hold, draft, intended, unknown, or none) is history.
 *   - The drug is `medicationCodeableConcept`, or the `code` of the Medication
 *     that `medicationReference` points to (contained `#id`, or a Medication
 *     among the records); if it cannot be resolved, the reference's display.
 *   - The same drug is listed once: two resources are the same drug when they
 *     share a coding (same system and code); a resource without any coded
 *     drug matches by its normalised name (trimmed, lower case, single spaces).
 *   - `since` is the earliest start among the merged resources:
 *     MedicationRequest.authoredOn; MedicationStatement.effectivePeriod.start,
 *     effectiveDateTime, else dateAsserted.
 * Active problems
 *   - Condition whose clinicalStatus is active, recurrence or relapse (no
 *     clinicalStatus: not listed; resolved, inactive, remission are history),
 *     and whose verificationStatus is not refuted or entered-in-error (none
 *     counts as fine).
 *   - The same condition (shared coding, else same normalised name) is listed
 *     once; `since` is the earliest onsetDateTime / onsetPeriod.start, else
 *     recordedDate.
 * Allergies
 *   - AllergyIntolerance whose clinicalStatus is active or absent (inactive,
 *     resolved are history) and whose verificationStatus is not refuted or
 *     entered-in-error (none counts as fine).
 *   - The same substance is listed once (same matching as above); `since` is
 *     the earliest onsetDateTime / onsetPeriod.start, else recordedDate.
 * Every list is sorted by name (case-insensitive), then code. Each item keeps
 * the ids of the resources it stands for and the source of the earliest one.
 * Dates are the date as written in the resource (YYYY-MM-DD), no time-zone shift.
 */
import { isEnteredInError, normaliseDate } from './fhirResource';

export type { FhirResource } from '../types';
import type { FhirResource } from '../types';

/** A resource, optionally with where it came from ('you', 'import: file', provider name). */
export type ReconcileInput = FhirResource | { resource: FhirResource; source?: string };

export interface ListItem {
	display: string;
	code: string | null;
	system: string | null;
	/** YYYY-MM-DD, earliest among the merged resources; null when none has a date. */
	since: string | null;
	source?: string;
	resourceIds: string[];
}

export interface CurrentLists {
	medications: ListItem[];
	problems: ListItem[];
	allergies: ListItem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

interface Drug {
	display: string;
	codings: Array<{ system: string; code: string }>;
	primary?: { system: string | null; code: string };
}

function conceptDrug(concept: unknown, fallbackDisplay?: string): Drug | undefined {
	if (!isObj(concept)) return fallbackDisplay ? { display: fallbackDisplay, codings: [] } : undefined;
	const codings = (Array.isArray(concept.coding) ? concept.coding : []).filter(isObj);
	const withCode = codings.filter((c) => str(c.code));
	const full = withCode.filter((c) => str(c.system));
	const first = full[0] ?? withCode[0];
	const display =
		str(concept.text) ??
		str(first?.display) ??
		codings.map((c) => str(c.display)).find((d) => d) ??
		str(first?.code) ??
		fallbackDisplay;
	if (!display) return undefined;
	return {
		display,
		codings: full.map((c) => ({ system: c.system as string, code: c.code as string })),
		primary: first ? { system: str(first.system) ?? null, code: first.code as string } : undefined
	};
}

function statusCode(concept: unknown): string | undefined {
	if (!isObj(concept)) return undefined;
	for (const c of Array.isArray(concept.coding) ? concept.coding : []) if (isObj(c) && str(c.code)) return c.code as string;
	return undefined;
}

const dateOf = (v: unknown): string | undefined => (str(v) && /^\d{4}/.test(v as string) ? normaliseDate(v as string) : undefined);
const periodStart = (v: unknown): string | undefined => (isObj(v) ? dateOf(v.start) : undefined);

const normalise = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** Merges resources naming the same thing; see the rules above. */
class Merger {
	#items: ListItem[] = [];
	#coded = new Map<string, ListItem>();
	#codedByName = new Map<string, ListItem>();
	#uncodedByName = new Map<string, ListItem>();

	add(drug: Drug, id: string | undefined, since: string | undefined, source: string | undefined): void {
		const name = normalise(drug.display);
		let item: ListItem | undefined;
		if (drug.codings.length) {
			for (const c of drug.codings) item ??= this.#coded.get(`${c.system}|${c.code}`);
			item ??= this.#uncodedByName.get(name);
		} else {
			item = this.#codedByName.get(name) ?? this.#uncodedByName.get(name);
		}
		if (!item) {
			item = { display: drug.display, code: drug.primary?.code ?? null, system: drug.primary?.system ?? null, since: since ?? null, resourceIds: [] };
			if (source !== undefined) item.source = source;
			this.#items.push(item);
		} else {
			if (item.code === null && drug.primary) {
				item.code = drug.primary.code;
				item.system = drug.primary.system;
			}
			if (since !== undefined && (item.since === null || since < item.since)) {
				item.since = since;
				if (source !== undefined) item.source = source;
				else delete item.source;
			}
		}
		if (id !== undefined) item.resourceIds.push(id);
		for (const c of drug.codings) if (!this.#coded.has(`${c.system}|${c.code}`)) this.#coded.set(`${c.system}|${c.code}`, item);
		const byName = drug.codings.length || item.code !== null ? this.#codedByName : this.#uncodedByName;
		if (!byName.has(name)) byName.set(name, item);
	}

	list(): ListItem[] {
		return this.#items.sort((a, b) => {
			const x = a.display.toLowerCase();
			const y = b.display.toLowerCase();
			if (x !== y) return x < y ? -1 : 1;
			const cx = a.code ?? '';
			const cy = b.code ?? '';
			return cx < cy ? -1 : cx > cy ? 1 : 0;
		});
	}
}

const EXCLUDED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const ACTIVE_PROBLEM = new Set(['active', 'recurrence', 'relapse']);

function medicationOf(r: FhirResource, medications: Map<string, Obj>): Drug | undefined {
	if (r.medicationCodeableConcept !== undefined) return conceptDrug(r.medicationCodeableConcept, 'Unnamed medication');
	const ref = r.medicationReference;
	if (!isObj(ref)) return { display: 'Unnamed medication', codings: [] };
	const reference = str(ref.reference);
	let med: Obj | undefined;
	if (reference?.startsWith('#')) {
		const contained = Array.isArray(r.contained) ? r.contained : [];
		med = contained.find((c): c is Obj => isObj(c) && c.resourceType === 'Medication' && c.id === reference.slice(1));
	} else if (reference) {
		const id = /(?:^|[/:])([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1];
		if (id) med = medications.get(id);
	}
	return conceptDrug(med?.code, str(ref.display) ?? 'Unnamed medication');
}

function conditionSince(r: FhirResource): string | undefined {
	return dateOf(r.onsetDateTime) ?? periodStart(r.onsetPeriod) ?? dateOf(r.recordedDate);
}

/** The reconciled current medications, active problems and allergies; see the rules above. */
export function currentLists(inputs: readonly ReconcileInput[]): CurrentLists {
	// Total over any input: what is not a resource object is left out here (the
	// caller reports it as unreadable), and every field read below is checked.
	const items: Array<{ resource: FhirResource; source: string | undefined }> = [];
	for (const i of inputs as readonly unknown[]) {
		if (!isObj(i)) continue;
		const sourced = !('resourceType' in i) && isObj(i.resource);
		const resource = (sourced ? i.resource : i) as Obj;
		if (typeof resource.resourceType !== 'string') continue;
		const source = sourced && typeof i.source === 'string' ? i.source : undefined;
		items.push({ resource: resource as FhirResource, source });
	}
	const medicationResources = new Map<string, Obj>();
	for (const { resource } of items)
		if (resource.resourceType === 'Medication' && str(resource.id)) medicationResources.set(resource.id as string, resource);
	const meds = new Merger();
	const problems = new Merger();
	const allergies = new Merger();
	for (const { resource: r, source } of items) {
		// Whatever else it says (an active status on a Condition withdrawn by its
		// verificationStatus, a MedicationStatement status of entered-in-error), a
		// resource the source withdrew is never current.
		if (isEnteredInError(r)) continue;
		switch (r.resourceType) {
			case 'MedicationRequest':
			case 'MedicationStatement': {
				if (r.status !== 'active') break;
				const drug = medicationOf(r, medicationResources);
				if (!drug) break;
				const since =
					r.resourceType === 'MedicationRequest'
						? dateOf(r.authoredOn)
						: (periodStart(r.effectivePeriod) ?? dateOf(r.effectiveDateTime) ?? dateOf(r.dateAsserted));
				meds.add(drug, str(r.id), since, source);
				break;
			}
			case 'Condition': {
				const clinical = statusCode(r.clinicalStatus);
				if (!clinical || !ACTIVE_PROBLEM.has(clinical)) break;
				if (EXCLUDED_VERIFICATION.has(statusCode(r.verificationStatus) ?? '')) break;
				const concept = conceptDrug(r.code, 'Unnamed problem');
				if (concept) problems.add(concept, str(r.id), conditionSince(r), source);
				break;
			}
			case 'AllergyIntolerance': {
				const clinical = statusCode(r.clinicalStatus);
				if (clinical !== undefined && clinical !== 'active') break;
				if (EXCLUDED_VERIFICATION.has(statusCode(r.verificationStatus) ?? '')) break;
				const concept = conceptDrug(r.code, 'Unnamed allergy');
				if (concept) allergies.add(concept, str(r.id), conditionSince(r), source);
				break;
			}
		}
	}
	return { medications: meds.list(), problems: problems.list(), allergies: allergies.list() };
}
