/**
 * The patient's audit trail, end to end with two browser profiles (two
 * people on two machines): the patient adds a record and grants a doctor;
 * the doctor's app opens the share and reports the opening on-chain (its
 * wallet signs); the patient revokes. The patient's Audit page then shows
 * the whole sequence in chain order, filters it, and downloads it as CSV.
 * The record view proves the record against its batch's on-chain root.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { a11yViolations, connect, freshAccount, go, newProfile, waitForText } from './harness';

const DOCTOR = 'Dr. Audit Lovelace';

async function createVault(page: Page) {
	await page.getByTestId('create-vault-button').click();
	await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
}

/** The kinds the Audit page lists, in its order, after a refresh. */
async function auditKinds(page: Page): Promise<string[]> {
	await page.getByTestId('audit-trail').waitFor({ timeout: 60_000 });
	return page.getByTestId('audit-entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind') ?? ''));
}

describe('audit trail', () => {
	test('add, grant, the doctor opens (reported), revoke: the audit page shows it all in order, filters, and exports CSV', async () => {
		const [patientAccount, doctorAccount] = [await freshAccount(), await freshAccount()];

		const doctor = await newProfile();
		await doctor.wallet({ privateKey: doctorAccount.privateKey });
		const dp = doctor.page;
		await connect(dp);
		await go(dp, '#/provider');
		await createVault(dp);
		await dp.getByTestId('provider-name-input').fill(DOCTOR);
		await dp.getByTestId('provider-register').click();
		await waitForText(dp.getByTestId('provider-current-name'), DOCTOR, 60_000);

		const patient = await newProfile();
		await patient.wallet({ privateKey: patientAccount.privateKey });
		const pp = patient.page;
		await connect(pp);
		await createVault(pp);
		await pp.getByTestId('no-records').waitFor();
		await go(pp, '#/add');
		await pp.getByTestId('file-input').setInputFiles({ name: 'statin.txt', mimeType: 'text/plain', buffer: Buffer.from('Atorvastatin 20 mg at night.\n') });
		await pp.getByTestId('title-input').fill('Atorvastatin 20 mg');
		await pp.getByTestId('category-select').selectOption('medications');
		await pp.getByTestId('add-submit').click();
		await waitForText(pp.getByTestId('notice'), 'Record added.', 120_000);

		// Integrity: the record view proves the record against its batch's root on the chain.
		await go(pp, '#/');
		await pp.getByTestId('record-link').filter({ hasText: 'Atorvastatin 20 mg' }).click();
		const anchor = pp.locator('[data-testid="record-anchor"][data-status="verified"]');
		expect(await waitForText(anchor, 'proof verified', 60_000)).toMatch(/Anchored in batch 0 at block \d+, proof verified/);

		await go(pp, '#/share');
		await pp.getByTestId('grant-form').waitFor();
		// The address field sits under "Advanced" since the provider search (issue 11).
		await pp.getByTestId('grantee-advanced-summary').click();
		await pp.getByTestId('grantee-input').fill(doctorAccount.address);
		await waitForText(pp.getByTestId('grantee-name'), DOCTOR);
		await pp.getByTestId('grant-category-medications').check();
		await pp.getByTestId('grant-submit').click();
		await waitForText(pp.getByTestId('notice'), 'Shared with', 120_000);

		// The doctor opens the share: its app reports the opening once (its wallet signs), not per file.
		await go(dp, '#/shared');
		await dp.getByTestId('shared-record').first().waitFor({ timeout: 60_000 });
		expect(await waitForText(dp.locator('[data-testid="share-report"][data-status="reported"]'), 'recorded', 60_000)).toContain('1 record');
		await dp.getByTestId('shared-record-open').first().click();
		await waitForText(dp.getByTestId('shared-attachment-text'), 'Atorvastatin', 60_000);

		await go(pp, '#/share');
		await pp.getByTestId('grant-row').filter({ hasText: DOCTOR }).getByTestId('grant-revoke').click();
		await pp.getByTestId('revoke-confirm').click();
		await waitForText(pp.getByTestId('notice'), 'Revoked', 120_000);

		// The audit page: the whole sequence, oldest first, with the plain warning about reports and links.
		await go(pp, '#/audit');
		const kinds = await auditKinds(pp);
		expect(kinds.filter((k) => k !== 'records-added')).toEqual(['grant-made', 'access-reported', 'grant-revoked']);
		expect(kinds[0]).toBe('records-added');
		expect(await pp.getByTestId('audit-access-note').innerText()).toMatch(/reported by the grantee’s own app[\s\S]*not logged/);
		const reported = pp.locator('[data-testid="audit-entry"][data-kind="access-reported"]');
		expect(await reported.getByTestId('audit-entry-summary').innerText()).toBe('Opened 1 shared record (grant #' + (await grantIdOf(reported)) + '; reported by their app)');
		expect(await reported.getByTestId('audit-entry-actor').getAttribute('data-address')).toBe(doctorAccount.address);

		// Filters: by kind, then by person.
		await pp.getByTestId('audit-filter-kind-access-reported').check();
		expect(await auditKinds(pp)).toEqual(['access-reported']);
		await pp.getByTestId('audit-filter-clear').click();
		await pp.getByTestId('audit-filter-person').selectOption(doctorAccount.address.toLowerCase());
		expect(await auditKinds(pp)).toEqual(['grant-made', 'access-reported', 'grant-revoked']);

		// CSV of what the filter shows: a header and one line per entry, the doctor's account in each.
		const [download] = await Promise.all([pp.waitForEvent('download'), pp.getByTestId('audit-export-csv').click()]);
		expect(download.suggestedFilename()).toMatch(/^carevault-audit-\d{4}-\d{2}-\d{2}\.csv$/);
		const lines = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
		expect(lines[0]).toContain('"time (UTC)","what"');
		expect(lines.length).toBe(4);
		expect(lines.slice(1).map((l) => l.split('","')[1])).toEqual(['Access granted', 'Access reported by grantee', 'Grant revoked']);
		for (const line of lines.slice(1)) expect(line.toLowerCase()).toContain(doctorAccount.address.toLowerCase());

		expect(await a11yViolations(pp)).toEqual([]);

		// A second visit after a reload (nothing in memory): the same trail, from the sealed cache and the blocks since.
		await pp.reload();
		await pp.getByTestId('unlock-button').click({ timeout: 60_000 });
		await go(pp, '#/audit');
		await pp.getByTestId('audit-entry').first().waitFor({ timeout: 60_000 });
		expect(await auditKinds(pp)).toEqual(kinds);

		await doctor.close();
		await patient.close();
	});
});

async function grantIdOf(row: ReturnType<Page['locator']>): Promise<string> {
	const text = await row.getByTestId('audit-entry-summary').innerText();
	return /grant #(\d+)/.exec(text)?.[1] ?? '?';
}
