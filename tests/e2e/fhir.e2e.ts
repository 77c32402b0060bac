/**
 * FHIR import in the browser: a whole Synthea patient (NDJSON bulk export,
 * 13 patients) is chosen, encrypted, stored and anchored in one transaction;
 * the timeline lists every resource and the current lists match what the
 * pure reconciliation computes from the same files.
 */
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { listPatients, parseFhirFiles, selectPatient } from '../../src/lib/records/fhir/import';
import { currentLists } from '../../src/lib/records/reconcile';
import { accounts, newProfile, url, waitForText } from './harness';

const FIXTURE = fileURLToPath(new URL('../fixtures/synthea-10/', import.meta.url));
const files = readdirSync(FIXTURE).filter((f) => f.endsWith('.ndjson')).map((f) => join(FIXTURE, f));

describe('FHIR import', () => {
	test('imports the largest Synthea patient and shows its timeline and current medications', async () => {
		const source = parseFhirFiles(files.map((f) => ({ name: f.split('/').pop()!, text: readFileSync(f, 'utf8') })));
		const patients = listPatients(source);
		expect(patients.length).toBe(13);
		const largest = patients.reduce((a, b) => (b.resourceCount > a.resourceCount ? b : a));
		const picked = selectPatient(source, largest.id);
		const expected = currentLists(picked.resources);
		expect(expected.medications.length).toBeGreaterThan(0);

		const profile = await newProfile();
		const wallet = await profile.wallet({ privateKey: accounts[8].privateKey });
		const { page } = profile;
		await page.goto(url);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click();

		await page.getByTestId('nav-import').click();
		await page.getByTestId('import-files').setInputFiles(files);
		await page.getByTestId('import-patients').waitFor({ timeout: 60_000 });
		await page.getByTestId('import-patients').getByLabel(largest.name ?? largest.id, { exact: false }).check();
		const sent = wallet.requests.filter((r) => r === 'eth_sendTransaction').length;
		await page.getByTestId('import-submit').click();
		await page.getByTestId('timeline-count').waitFor({ timeout: 120_000 });
		// The whole import is one anchor transaction.
		expect(wallet.requests.filter((r) => r === 'eth_sendTransaction').length - sent).toBe(1);
		expect(await page.getByTestId('timeline-count').innerText()).toBe(
			`${picked.resources.length} of ${picked.resources.length} entries`
		);

		// Text search narrows the timeline to matching titles and code names.
		const drug = expected.medications[0].display;
		await page.getByTestId('timeline-search').fill(drug);
		const count = await waitForText(page.getByTestId('timeline-count'), /^\d+ of/);
		expect(Number(count.split(' ')[0])).toBeGreaterThan(0);
		expect(Number(count.split(' ')[0])).toBeLessThan(picked.resources.length);

		await page.getByTestId('nav-lists').click();
		const meds = page.getByTestId('list-medications').getByTestId('list-item');
		await meds.first().waitFor({ timeout: 60_000 });
		const rows = await meds.allInnerTexts();
		expect(rows.length).toBe(expected.medications.length);
		for (const [i, item] of expected.medications.entries()) expect(rows[i]).toContain(item.display);
		expect(await page.getByTestId('list-problems').getByTestId('list-item').count()).toBe(expected.problems.length);
		expect(await page.getByTestId('list-allergies').getByTestId('list-item').count()).toBe(expected.allergies.length);

		// Clinical notes (DocumentReference, base64 text/plain) open as documents.
		await page.getByTestId('nav-home').click();
		await page.getByTestId('record-link').filter({ hasText: 'Documents' }).click();
		const firstDoc = page.getByTestId('fhir-row').first();
		await firstDoc.waitFor({ timeout: 60_000 });
		await firstDoc.locator('summary').first().click();
		const note = firstDoc.getByTestId('fhir-document-text');
		expect((await note.innerText()).length).toBeGreaterThan(20);

		// Export everything as a collection Bundle; it re-imports to the same resources.
		await page.getByTestId('nav-export').click();
		await page.getByTestId('export-bundle').click();
		await page.getByTestId('export-download').waitFor({ timeout: 120_000 });
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
		const exported = readFileSync((await download.path())!, 'utf8');
		const reimported = selectPatient(parseFhirFiles([{ name: 'export.json', text: exported }]), largest.id);
		const key = (r: { resourceType: string; id?: string }) => `${r.resourceType}/${r.id}`;
		expect(reimported.resources.map(key).sort()).toEqual(picked.resources.map(key).sort());
		expect(currentLists(reimported.resources)).toEqual(expected);
		await profile.close();
	});

	test('a malformed file is refused with its name and line, and nothing is imported', async () => {
		const profile = await newProfile();
		await profile.wallet({ privateKey: accounts[9].privateKey });
		const { page } = profile;
		await page.goto(url);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click();
		await page.getByTestId('nav-import').click();
		await page.getByTestId('import-files').setInputFiles({
			name: 'broken.ndjson',
			mimeType: 'application/fhir+ndjson',
			buffer: Buffer.from('{"resourceType":"Patient","id":"p1"}\n{"resourceType": "Condition", oops}\n')
		});
		const message = await waitForText(page.getByTestId('import-error'), 'broken.ndjson');
		expect(message).toContain('line 2');
		expect(await page.getByTestId('import-submit').count()).toBe(0);
		await page.getByTestId('nav-home').click();
		await page.getByTestId('no-records').waitFor();
		await profile.close();
	});
});
