import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupForVault, parseFhirFiles, selectPatient } from './fhir/import';
import type { VaultRecord } from './model';
import { buildTimeline, filterTimeline, timelineEntriesOf, type TimelineEntry } from './timeline';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/synthea-10/', import.meta.url));
const LARGEST = '79a66c97-6131-3213-f3c9-4606946ab056';

const entry = (id: string, date: string, extra: Partial<TimelineEntry> = {}): TimelineEntry => ({
	id,
	date,
	addedAt: '2024-01-01T00:00:00Z',
	category: 'other',
	title: id,
	source: 'you',
	codes: [],
	...extra
});

describe('timeline on hand-made entries', () => {
	const timeline = buildTimeline([
		entry('old', '2001-01-01', { category: 'medications', title: 'Lisinopril 10 MG', source: 'Dr. A (0xa)' }),
		entry('new', '2023-05-02', { category: 'problems', title: 'Checkup', codes: ['Essential HYPERTENSION (disorder)'], source: 'import: Condition.ndjson' }),
		entry('same-day-later-added', '2023-05-02', { addedAt: '2024-06-01T00:00:00Z', category: 'labs', title: 'Glucose' }),
		entry('mid', '2019-12-31', { category: 'problems', title: 'Asthma', source: 'Dr. A (0xa)' })
	]);

	it('is newest first by clinical date, then newest added', () => {
		expect(timeline.entries.map((e) => e.id)).toEqual(['same-day-later-added', 'new', 'mid', 'old']);
		expect(timeline.sources).toEqual(['Dr. A (0xa)', 'import: Condition.ndjson', 'you']);
	});

	it('filters by category, source, date range (inclusive, year prefixes) and text over titles and code names', () => {
		const ids = (f: Parameters<typeof filterTimeline>[1]) => filterTimeline(timeline, f).map((e) => e.id);
		expect(ids({})).toEqual(['same-day-later-added', 'new', 'mid', 'old']);
		expect(ids({ categories: ['problems'] })).toEqual(['new', 'mid']);
		expect(ids({ sources: ['Dr. A (0xa)'] })).toEqual(['mid', 'old']);
		expect(ids({ from: '2019-12-31', to: '2023-05-01' })).toEqual(['mid']);
		expect(ids({ to: '2019' })).toEqual(['mid', 'old']);
		expect(ids({ text: 'hypertension' })).toEqual(['new']);
		expect(ids({ text: '  LISINOPRIL   10 ' })).toEqual(['old']);
		expect(ids({ text: 'lisinopril asthma' })).toEqual([]);
		expect(ids({ categories: ['problems'], sources: ['Dr. A (0xa)'], text: 'asth' })).toEqual(['mid']);
	});
});

describe('timeline on a whole Synthea patient', () => {
	const files = readdirSync(FIXTURE)
		.filter((f) => f.endsWith('.ndjson'))
		.map((name) => ({ name, text: readFileSync(FIXTURE + name, 'utf8') }));
	const groups = groupForVault(selectPatient(parseFhirFiles(files), LARGEST));
	const records: VaultRecord[] = groups.map((g, i) => ({
		id: `rec-${g.category}`,
		title: `${g.category}: ${g.resources.length} imported`,
		category: g.category,
		date: '2024-01-01',
		addedAt: `2024-02-0${1 + (i % 9)}T00:00:00Z`,
		kind: 'fhir',
		resourceType: 'Bundle',
		attachments: [],
		source: 'import: synthea',
		resources: g.summaries
	}));
	records.push({ id: 'mine', title: 'My scan', category: 'documents', date: '1990-03-03', addedAt: '2024-03-01T00:00:00Z', kind: 'file', attachments: [] });
	const entries = timelineEntriesOf(records);
	const timeline = buildTimeline(entries);

	it('holds every resource as one entry, newest first', () => {
		const resources = groups.reduce((n, g) => n + g.resources.length, 0);
		expect(resources).toBeGreaterThan(3000);
		expect(timeline.entries).toHaveLength(resources + 1);
		for (let i = 1; i < timeline.entries.length; i++) expect(timeline.entries[i - 1].date >= timeline.entries[i].date).toBe(true);
		expect(timeline.entries.find((e) => e.id === 'mine')).toMatchObject({ source: 'you', category: 'documents', title: 'My scan' });
	});

	it('filters the same as a naive scan', () => {
		const naive = (cat: string, from: string, to: string, word: string) =>
			timeline.entries
				.filter((e) => e.category === cat && e.date >= from && e.date <= to && (e.title.toLowerCase().includes(word) || e.codes.some((c) => c.toLowerCase().includes(word))))
				.map((e) => e.id);
		const cases: Array<[ 'problems' | 'medications' | 'encounters', string, string, string]> = [
			['problems', '1900-01-01', '2100-01-01', 'hypertension'],
			['medications', '1986-01-01', '1987-12-31', 'epoetin'],
			['encounters', '1988-01-01', '2020-12-31', 'problem']
		];
		for (const [cat, from, to, word] of cases) {
			const got = filterTimeline(timeline, { categories: [cat], from, to, text: word.toUpperCase() }).map((e) => e.id);
			expect(got.length).toBeGreaterThan(0);
			expect(got).toEqual(naive(cat, from, to, word));
		}
		expect(filterTimeline(timeline, { sources: ['you'] }).map((e) => e.id)).toEqual(['mine']);
	});
});

describe('timeline without replaced or withdrawn resources', () => {
	const summary = (id: string, extra: Record<string, unknown> = {}) => ({ id, resourceType: 'Condition', title: id, codes: [], date: '2020-01-01', ...extra });
	const record = (id: string, resources: unknown[], supersedes?: string[]): VaultRecord =>
		({ id, title: id, category: 'problems', date: '2020-01-01', addedAt: '2024-01-01T00:00:00Z', kind: 'fhir', attachments: [], source: 'import: x', resources, ...(supersedes ? { supersedes } : {}) }) as VaultRecord;

	it('leaves out a resource that a newer record supersedes, and one marked entered-in-error', () => {
		const first = record('first', [summary('a'), summary('b'), summary('c')]);
		const second = record('second', [summary('b', { title: 'b v2' })], ['first#1']);
		const withdrawn = record('third', [summary('d', { enteredInError: true }), summary('e')]);
		const titles = timelineEntriesOf([first, second, withdrawn]).map((e) => e.title).sort();
		expect(titles).toEqual(['a', 'b v2', 'c', 'e']);
	});

	it('keeps positions when the summaries hold junk (a ref names the position among all summaries)', () => {
		const first = record('first', [null, summary('a'), summary('b')]);
		const second = record('second', [summary('b', { title: 'b v2' })], ['first#2']);
		expect(timelineEntriesOf([first, second]).map((e) => e.title).sort()).toEqual(['a', 'b v2']);
	});
});
