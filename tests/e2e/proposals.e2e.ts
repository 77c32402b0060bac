/**
 * Providers propose, patients decide: two browser profiles (two people on
 * two machines), the built site, a real anvil and the local IPFS peer.
 * Provider = dev account 6, patient = dev account 7.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { accounts, newProfile, waitForText, connect, go, takeCspViolations } from './harness';

const providerAccount = accounts[6];
const patientAccount = accounts[7];

const HOSTILE_DIV =
	'<div xmlns="http://www.w3.org/1999/xhtml"><p>Amoxicillin 500 mg three times a day</p><script>window.__x=1</script><img src=x onerror="window.__y=1"><a href="javascript:window.__z=1">l</a></div>';
const MEDICATION_REQUEST = {
	resourceType: 'MedicationRequest',
	id: 'amox-1',
	status: 'active',
	intent: 'order',
	medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
	authoredOn: '2024-05-02',
	text: { status: 'generated', div: HOSTILE_DIV }
};
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const NOTE = 'Follow-up visit in two weeks. Bring your blood pressure log.\n';


const pwned = (page: Page) =>
	page.evaluate(() => {
		const w = window as unknown as Record<string, unknown>;
		return [w.__x, w.__y, w.__z];
	});

describe('providers propose, patients decide', () => {
	test('provider registers and proposes two records; patient accepts one and rejects the other; both see the outcome', async () => {
		// The provider: a vault (its keys), then a registration.
		const provider = await newProfile();
		await provider.wallet({ privateKey: providerAccount.privateKey });
		const pp = provider.page;
		await connect(pp);
		await go(pp, '#/provider');
		await pp.getByTestId('provider-needs-vault').waitFor();
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('provider-unregistered').waitFor();
		await pp.getByTestId('provider-name-input').fill('Dr. Ada Lovelace');
		await pp.getByTestId('provider-role-select').selectOption('physician');
		await pp.getByTestId('provider-register').click();
		expect(await waitForText(pp.getByTestId('provider-current-name'), 'Dr. Ada Lovelace')).toBe('Dr. Ada Lovelace');
		// Patients can scan the provider's address instead of typing it.
		expect(await pp.getByTestId('provider-address-qr').getAttribute('alt')).toContain(providerAccount.address);

		// Proposing to an address without a vault is refused with a clear message.
		await pp.getByTestId('patient-input').fill(patientAccount.address);
		await pp.getByTestId('proposal-file-input').setInputFiles({ name: 'visit-note.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTE) });
		await pp.getByTestId('proposal-title-input').fill('Visit note');
		await pp.getByTestId('propose-submit').click();
		expect(await waitForText(pp.getByTestId('notice'), 'has no Carevault vault')).toContain('must create a vault first');

		// The patient creates a vault on their own machine.
		const patient = await newProfile();
		await patient.wallet({ privateKey: patientAccount.privateKey });
		const pa = patient.page;
		await connect(pa);
		await pa.getByTestId('create-vault-button').click();
		await pa.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pa.getByTestId('no-records').waitFor();

		// Now both proposals go through: the FHIR MedicationRequest with a hostile narrative, and the text note.
		await pp.getByTestId('propose-submit').click();
		await waitForText(pp.getByTestId('notice'), 'sent', 60_000);
		await pp.getByTestId('patient-input').fill(patientAccount.address);
		await pp.getByTestId('proposal-source-fhir').check();
		await pp.getByTestId('proposal-fhir-input').fill(JSON.stringify(MEDICATION_REQUEST, null, 2));
		await pp.getByTestId('proposal-note-input').fill('Take with food <b>please</b>');
		await pp.getByTestId('propose-submit').click();
		await waitForText(pp.getByTestId('notice'), 'sent', 60_000);
		await pp.getByTestId('sent-proposal').nth(1).waitFor();
		expect(await pp.getByTestId('sent-proposal-title').allInnerTexts()).toEqual(['Amoxicillin 500 mg', 'Visit note']);

		// The patient's inbox: both verified, with the provider's registered name.
		await go(pa, '#/inbox');
		await pa.getByTestId('inbox-item').nth(1).waitFor({ timeout: 60_000 });
		// Listed from chain events first; each payload is then fetched and checked on its own.
		await pa.getByTestId('inbox-item-verified').nth(1).waitFor({ timeout: 60_000 });
		expect(await pa.getByTestId('inbox-item-title').allInnerTexts()).toEqual(['Amoxicillin 500 mg', 'Visit note']);
		// Nobody attested this provider: its self-declared name is shown, marked unverified.
		const declared = pa.getByTestId('inbox-item-provider').getByTestId('provider-declared-name');
		await declared.nth(1).waitFor();
		expect(await declared.allInnerTexts()).toEqual(['Dr. Ada Lovelace', 'Dr. Ada Lovelace']);
		expect(await pa.getByTestId('inbox-item-verified').count()).toBe(2);
		expect(await pa.getByTestId('inbox-item-flag').count()).toBe(0);

		// Open the FHIR proposal: the narrative renders, made inert.
		await pa.getByTestId('inbox-open').filter({ hasText: 'Amoxicillin 500 mg' }).click();
		await pa.getByTestId('proposal-verified').waitFor();
		expect(await pa.getByTestId('proposal-provider-name').getByTestId('provider-declared-name').innerText()).toBe('Dr. Ada Lovelace');
		expect(await pa.getByTestId('proposal-provider-address').innerText()).toBe(providerAccount.address);
		expect(await pa.getByTestId('proposal-note').innerText()).toBe('Take with food <b>please</b>');
		const narrative = pa.getByTestId('fhir-narrative');
		expect(await waitForText(narrative, 'Amoxicillin 500 mg three times a day')).toContain('three times a day');
		expect(await narrative.locator('script, img').count()).toBe(0);
		expect(await narrative.locator('[onerror]').count()).toBe(0);
		const link = narrative.locator('a');
		expect(await link.count()).toBe(1);
		expect(await link.getAttribute('href')).toBeNull();
		await link.click();
		expect(await pwned(pa)).toEqual([undefined, undefined, undefined]);
		expect(await waitForText(pa.getByTestId('proposal-attachment-text'), '"resourceType": "MedicationRequest"')).toContain('onerror');

		// Compared with the (empty) vault: new.
		expect(await waitForText(pa.getByTestId('proposal-dedupe-summary'), '1 new', 60_000)).not.toContain('already present');
		expect(await pa.getByTestId('proposal-resource').getAttribute('data-status')).toBe('new');

		await pa.getByTestId('proposal-accept').click();
		expect(await waitForText(pa.getByTestId('notice'), 'is now in your vault', 120_000)).toContain('Amoxicillin 500 mg');
		await pa.getByTestId('proposal-status').filter({ hasText: 'Accepted' }).waitFor();

		// Reject the note.
		await pa.getByTestId('proposal-back').click();
		await pa.getByTestId('inbox-open').filter({ hasText: 'Visit note' }).click();
		expect(await waitForText(pa.getByTestId('proposal-attachment-text'), 'Follow-up visit')).toBe(NOTE.trim());
		await pa.getByTestId('proposal-reject').click();
		expect(await waitForText(pa.getByTestId('notice'), 'Rejected', 60_000)).toContain('Nothing was added');

		// The accepted record is in the patient's vault, from the provider.
		await go(pa, '#/');
		await pa.getByTestId('record-list').waitFor({ timeout: 60_000 });
		expect(await pa.getByTestId('record-link').allInnerTexts()).toEqual(['Amoxicillin 500 mg']);
		await pa.getByTestId('record-link').click();
		// Byte-identical to what the provider's page encrypted (the resource as pasted, pretty-printed).
		expect(await waitForText(pa.getByTestId('attachment-sha256'), /^[0-9a-f]{64}$/, 60_000)).toBe(sha256(JSON.stringify(MEDICATION_REQUEST, null, 2)));
		expect(await pwned(pa)).toEqual([undefined, undefined, undefined]);
		// Nobody attested this provider: the record's source keeps the name marked as self-declared.
		expect(await waitForText(pa.getByTestId('record-source'), 'Dr. Ada Lovelace')).toContain(`Unverified: “Dr. Ada Lovelace” (${providerAccount.address})`);

		// The timeline lists the accepted record with the provider's name as its source.
		await go(pa, '#/timeline');
		const entry = pa.getByTestId('timeline-entry').filter({ hasText: 'Amoxicillin 500 mg' });
		expect(await waitForText(entry, 'Dr. Ada Lovelace', 60_000)).toContain(providerAccount.address);
		expect(await pa.getByTestId('timeline-entry').count()).toBe(1);

		// The hostile narrative's onerror reaches DOMPurify's parser, a document under the page's
		// Content-Security-Policy: Chromium blocks and reports the handler there. Nothing else may be reported.
		expect(takeCspViolations().filter((v) => !/script-src-attr|inline event handler/.test(v))).toEqual([]);

		// Sharing with a provider who already wrote: picked from the senders, no address typed.
		await go(pa, '#/share');
		const sender = pa.getByTestId('grantee-sender').filter({ hasText: 'Dr. Ada Lovelace' });
		await sender.waitFor({ timeout: 60_000 });
		await sender.click();
		expect((await pa.getByTestId('grantee-chosen').getAttribute('data-address'))?.toLowerCase()).toBe(providerAccount.address.toLowerCase());
		await pa.getByTestId('grantee-name').waitFor();

		// The provider sees both decisions.
		await pp.getByTestId('proposals-refresh').click();
		await pp.locator('[data-testid="proposal-status"][data-status="rejected"]').waitFor({ timeout: 60_000 });
		const rows = pp.getByTestId('sent-proposal');
		expect(await rows.filter({ hasText: 'Amoxicillin 500 mg' }).getByTestId('proposal-status').getAttribute('data-status')).toBe('accepted');
		expect(await rows.filter({ hasText: 'Visit note' }).getByTestId('proposal-status').getAttribute('data-status')).toBe('rejected');
		expect(await rows.first().getByTestId('sent-proposal-patient').innerText()).toBe(patientAccount.address);

		// The provider sends the same medication again with a new problem: the patient sees, per resource, what is new
		// and what is already in the vault, and accepting adds only the new one.
		const CONDITION = {
			resourceType: 'Condition',
			id: 'sinusitis-1',
			clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
			code: { text: 'Acute sinusitis' },
			onsetDateTime: '2024-05-01'
		};
		await pp.getByTestId('patient-input').fill(patientAccount.address);
		await pp.getByTestId('proposal-source-fhir').check();
		await pp.getByTestId('proposal-fhir-input').fill(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: MEDICATION_REQUEST }, { resource: CONDITION }] }));
		await pp.getByTestId('proposal-title-input').fill('Visit summary');
		await pp.getByTestId('propose-submit').click();
		await waitForText(pp.getByTestId('notice'), 'sent', 60_000);

		await go(pa, '#/inbox');
		await pa.getByTestId('inbox-refresh').click();
		const again = pa.getByTestId('inbox-open').filter({ hasText: 'Visit summary' });
		await again.waitFor({ timeout: 60_000 });
		await again.click();
		expect(await waitForText(pa.getByTestId('proposal-dedupe-summary'), 'already present', 60_000)).toContain('1 new, 1 already present. Accepting adds only the new and updated ones.');
		const line = (id: string) => pa.locator(`[data-testid="proposal-resource"][data-id="${id}"]`);
		expect(await line('amox-1').getAttribute('data-status')).toBe('present');
		expect(await line('amox-1').innerText()).toContain('Already in your vault');
		expect(await line('sinusitis-1').getAttribute('data-status')).toBe('new');
		await pa.getByTestId('proposal-accept').click();
		expect(await waitForText(pa.getByTestId('notice'), 'Only the new and updated', 120_000)).toContain('“Visit summary”: 1 new, 1 already present.');
		await go(pa, '#/timeline');
		await pa.getByTestId('timeline-entry').filter({ hasText: 'Acute sinusitis' }).waitFor({ timeout: 60_000 });
		expect(await pa.getByTestId('timeline-entry').filter({ hasText: 'Amoxicillin 500 mg' }).count()).toBe(1);

		await patient.close();
		await provider.close();
	});
});
