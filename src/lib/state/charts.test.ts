import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { VaultRecord } from '../records/model';
import type { FhirRecordsContent } from '../vault/fhirRecords';
import type { FhirResource } from '../types';
import { ChartsState } from './charts.svelte';

const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/observations/bundle.json', import.meta.url));
const resources = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: Array<{ resource: FhirResource }> }).entry.map((e) => e.resource);

const record = (id: string, resourceTypes: string[]): VaultRecord => ({
	id,
	title: id,
	category: 'labs',
	date: '2025-03-18',
	addedAt: '2025-03-18T00:00:00Z',
	kind: 'fhir',
	resourceType: 'Bundle',
	attachments: [],
	resources: resourceTypes.map((resourceType, i) => ({ id: `${id}-${i}`, resourceType, title: resourceType, codes: [] }))
});
const content = (list: FhirResource[], recordId = 'labs'): FhirRecordsContent => ({
	resources: list.map((resource, i) => ({ resource, source: 'import: bundle.json', recordId, ref: `${recordId}#${i}` })),
	unreadable: [],
	superseded: 0
});

describe('ChartsState', () => {
	it('decrypts only the records that may hold Observations, shows progress, then the charts', async () => {
		const asked: string[][] = [];
		const progress: Array<{ done: number; total: number } | null> = [];
		const labs = record('labs', ['Observation']);
		const state = new ChartsState({
			records: () => [labs, record('meds', ['MedicationRequest'])],
			fhirContent: async (records, onProgress) => {
				asked.push(records.map((r) => r.id));
				onProgress?.(0, 1);
				progress.push(state.progress);
				return content(resources);
			}
		});
		expect(state.status).toBe('idle');
		await state.load();
		expect(asked).toEqual([['labs']]);
		expect(progress).toEqual([{ done: 0, total: 1 }]);
		expect(state.progress).toBeNull();
		expect(state.status).toBe('ready');
		expect(state.charts).toHaveLength(11);
		expect(state.skipped.map((s) => s.resourceId)).toEqual(['weight-2022-typo']);
		expect(state.charts[0].rows[0].source).toBe('import: bundle.json');
	});

	it('keeps the newest load when an older one finishes later', async () => {
		const pending: Array<(c: FhirRecordsContent) => void> = [];
		const state = new ChartsState({
			records: () => [record('labs', ['Observation'])],
			fhirContent: () => new Promise((resolve) => pending.push(resolve))
		});
		const first = state.load();
		const second = state.load();
		const weight = resources.filter((r) => r.id === 'weight-2019');
		pending[1](content(weight));
		await second;
		pending[0](content(resources));
		await first;
		expect(state.charts.map((c) => c.code.code)).toEqual(['29463-7']);
	});

	it('says why the results could not be read', async () => {
		const state = new ChartsState({
			records: () => [record('labs', ['Observation'])],
			fhirContent: async () => {
				throw new Error('The IPFS peer did not answer.');
			}
		});
		await state.load();
		expect(state.status).toBe('error');
		expect(state.error).toBe('The IPFS peer did not answer.');
	});
});
