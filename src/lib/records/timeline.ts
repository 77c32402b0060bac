/**
 * One chronological timeline across all providers and imports. Built once per
 * index change; filtering is a single pass over precomputed lower-case search
 * text, so it stays fast on thousands of entries (a whole Synthea patient).
 */
import { isCategory, type Category, type VaultRecord } from './model';
import { resourceRef, supersededRefs } from './dedupe';

export interface TimelineEntry {
	id: string;
	/** The record this entry belongs to (an import record holds many resources). */
	recordId?: string;
	/** Clinical date, YYYY-MM-DD. */
	date: string;
	/** When it was added to the vault, ISO 8601. */
	addedAt: string;
	category: Category;
	title: string;
	/** Provider name and address, 'import: <file>', or 'you'. */
	source: string;
	/** Display names of the entry's codes, searched with the title. */
	codes: string[];
	resourceType?: string;
}

export interface Timeline {
	/** Newest clinical date first; same date: newest added first, then by title. */
	readonly entries: readonly TimelineEntry[];
	/** Distinct sources, sorted, for the source filter. */
	readonly sources: readonly string[];
	/** Distinct categories present. */
	readonly categories: readonly Category[];
	/** Lower-case title + codes per entry, same order as `entries`. */
	readonly searchText: readonly string[];
}

export interface TimelineFilter {
	categories?: readonly Category[];
	sources?: readonly string[];
	/** Inclusive, YYYY-MM-DD (a shorter prefix such as "2019" also works). */
	from?: string;
	/** Inclusive, YYYY-MM-DD (a shorter prefix such as "2019" matches the whole year). */
	to?: string;
	/** Words that must all appear in the title or a code's display name, any case. */
	text?: string;
}

function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
	if (a.date !== b.date) return a.date < b.date ? 1 : -1;
	if (a.addedAt !== b.addedAt) return a.addedAt < b.addedAt ? 1 : -1;
	if (a.title !== b.title) return a.title < b.title ? -1 : 1;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function buildTimeline(entries: readonly TimelineEntry[]): Timeline {
	const sorted = [...entries].sort(compareEntries);
	const sources = [...new Set(sorted.map((e) => e.source))].sort();
	const categories = [...new Set(sorted.map((e) => e.category))];
	const searchText = sorted.map((e) => `${e.title}\n${e.codes.join('\n')}`.toLowerCase());
	return { entries: sorted, sources, categories, searchText };
}

export function filterTimeline(timeline: Timeline, filter: TimelineFilter = {}): TimelineEntry[] {
	const categories = filter.categories?.length ? new Set(filter.categories) : undefined;
	const sources = filter.sources?.length ? new Set(filter.sources) : undefined;
	const from = filter.from || undefined;
	// "2019" or "2019-05" as an upper bound means up to the end of that period.
	const to = filter.to ? `${filter.to}\uffff` : undefined;
	const words = (filter.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
	const out: TimelineEntry[] = [];
	const { entries, searchText } = timeline;
	for (let i = 0; i < entries.length; i++) {
		const e = entries[i];
		if (categories && !categories.has(e.category)) continue;
		if (sources && !sources.has(e.source)) continue;
		if (from && e.date < from) continue;
		if (to && e.date > to) continue;
		if (words.length) {
			const hay = searchText[i];
			let all = true;
			for (const w of words)
				if (!hay.includes(w)) {
					all = false;
					break;
				}
			if (!all) continue;
		}
		out.push(e);
	}
	return out;
}

const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : []);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Timeline entries for vault records: one per resource for FHIR records that
 * carry resource summaries (an import), else one per record. A resource that a
 * newer version replaced (records/dedupe.ts) or that its source marked
 * entered-in-error has no entry; it stays in its record. Total over any
 * index content: a field of the wrong type falls back to a plain value
 * rather than breaking the page (the index is the app's own, but old or
 * foreign writers may have put anything there).
 */
export function timelineEntriesOf(records: readonly VaultRecord[]): TimelineEntry[] {
	const out: TimelineEntry[] = [];
	// Entry ids key the page's rows: two resources sharing an id (Observation/1 and
	// DiagnosticReport/1 in one record) must still give two distinct entries.
	const seen = new Set<string>();
	const unique = (id: string) => {
		let u = id;
		for (let n = 2; seen.has(u); n++) u = `${id}~${n}`;
		seen.add(u);
		return u;
	};
	const superseded = supersededRefs(records);
	for (const r of records as readonly unknown[]) {
		if (!isObj(r) || typeof r.id !== 'string') continue;
		const source = text(r.source, 'you');
		const date = text(r.date, '');
		const addedAt = text(r.addedAt, '');
		const category: Category = isCategory(r.category) ? r.category : 'other';
		const title = text(r.title, 'Untitled record');
		const summaries: unknown[] = Array.isArray(r.resources) ? r.resources : [];
		if (summaries.some(isObj)) {
			summaries.forEach((s, i) => {
				if (!isObj(s)) return;
				// Summaries are in the order of the record's resources, so `i` is the resource's position.
				if (s.enteredInError === true || superseded.has(resourceRef(r.id as string, i))) return;
				const entry: TimelineEntry = {
					id: unique(`${r.id}#${text(s.id, String(i))}`),
					recordId: r.id as string,
					date: text(s.date, date),
					addedAt,
					category,
					title: text(s.title, title),
					source,
					codes: texts(s.codes)
				};
				if (typeof s.resourceType === 'string') entry.resourceType = s.resourceType;
				out.push(entry);
			});
		} else {
			const entry: TimelineEntry = { id: unique(r.id), recordId: r.id, date, addedAt, category, title, source, codes: [] };
			if (typeof r.resourceType === 'string') entry.resourceType = r.resourceType;
			out.push(entry);
		}
	}
	return out;
}
