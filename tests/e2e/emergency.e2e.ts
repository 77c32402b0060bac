/**
 * Emergency access (break-glass) with five browser profiles, five people on
 * five machines: a patient, three guardians (threshold 2) and a provider, each
 * on a fresh account. Real anvil, the built site, the local IPFS peer.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { attestProvider, DEMO_ATTESTER_PRIVATE_KEY } from '../../scripts/attest.mjs';
import { a11yViolations, config, connect, freshAccount, go, newProfile, rpcUrl, waitForText, type Profile } from './harness';

const BUNDLE = {
	resourceType: 'Bundle',
	type: 'collection',
	entry: [
		{ resource: { resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Moreau', given: ['Lina'] }], birthDate: '1961-04-02' } },
		{
			resource: {
				resourceType: 'AllergyIntolerance',
				id: 'alg-1',
				clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
				verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
				code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }], text: 'Allergy to penicillin' },
				patient: { reference: 'Patient/pat-1' },
				recordedDate: '2019-05-01'
			}
		},
		{
			resource: {
				resourceType: 'MedicationStatement',
				id: 'med-1',
				status: 'active',
				medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '314076', display: 'Lisinopril 10 MG Oral Tablet' }], text: 'Lisinopril 10 MG Oral Tablet' },
				subject: { reference: 'Patient/pat-1' },
				effectivePeriod: { start: '2021-02-01' }
			}
		},
		{
			resource: {
				resourceType: 'Observation',
				id: 'obs-1',
				status: 'final',
				category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
				code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }], text: 'Hemoglobin' },
				subject: { reference: 'Patient/pat-1' },
				effectiveDateTime: '2024-03-01',
				valueQuantity: { value: 13.2, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' }
			}
		}
	]
};

interface Person {
	profile: Profile;
	page: Page;
	address: string;
	/** Emergency page loads seen so far (the page's state starts at 0). */
	loads: number;
}

/** A new person on a fresh account with a vault (keys published). */
async function person(): Promise<Person> {
	const account = await freshAccount();
	const profile = await newProfile();
	await profile.wallet({ privateKey: account.privateKey });
	const page = profile.page;
	await connect(page);
	await page.getByTestId('create-vault-button').click();
	await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
	await page.getByTestId('no-records').waitFor({ timeout: 60_000 });
	return { profile, page, address: account.address, loads: 0 };
}

/**
 * Opens the Emergency page again (a new visit: its state loads afresh) and waits until that
 * load has finished: the page counts finished loads, and this person's last visit saw `loads`.
 */
async function visitEmergency(p: Person) {
	// Away first, and wait until the page is gone: a navigation to the page already shown would not load it again.
	await go(p.page, '#/');
	await p.page.getByTestId('emergency-requests').waitFor({ state: 'detached', timeout: 60_000 });
	await go(p.page, '#/emergency');
	const handle = await p.page.waitForFunction(
		(before) => {
			const n = Number(document.querySelector('[data-testid="emergency-requests"]')?.getAttribute('data-loads') ?? -1);
			return n > before ? n : false;
		},
		p.loads,
		{ timeout: 120_000 }
	);
	p.loads = (await handle.jsonValue()) as number;
}

async function guardianStep(g: Person, id: string, button: 'guardian-approve' | 'guardian-release', done: string) {
	await visitEmergency(g);
	const card = g.page.locator(`[data-testid="guardian-request"][data-id="${id}"]`);
	await card.getByTestId(button).click();
	await waitForText(g.page.getByTestId('notice'), done, 120_000);
}

/** The provider's card of request `id`, after a refresh. */
async function providerCard(d: Person, id: string) {
	await d.page.getByTestId('emergency-refresh').click();
	await d.page.getByTestId('emergency-busy').waitFor({ state: 'hidden', timeout: 60_000 });
	return d.page.locator(`[data-testid="emergency-my-request"][data-id="${id}"]`);
}

/** Asks to open request `id`'s scope; resolves once the card shows the scope or why not. */
async function openAttempt(d: Person, id: string) {
	const card = await providerCard(d, id);
	await card.getByTestId('emergency-open').click();
	await card.locator('[data-testid="emergency-open-refused"], [data-testid="emergency-scope"]').first().waitFor({ timeout: 60_000 });
	return card;
}

describe('emergency access', () => {
	test('2 of 3 guardians: one approval reveals nothing; two approvals + finalize + releases reveal allergies and medications only; a cancelled request reveals nothing', { timeout: 600_000 }, async () => {
		// The provider: a vault and a registration.
		const doctor = await person();
		await go(doctor.page, '#/provider');
		await doctor.page.getByTestId('provider-name-input').fill('Urgences Nord');
		await doctor.page.getByTestId('provider-register').click();
		await waitForText(doctor.page.getByTestId('provider-current-name'), 'Urgences Nord', 60_000);
		// Verified by the site's demo attester: the patient's audit trail names it; the guardians stay addresses.
		await attestProvider({
			rpcUrl,
			privateKey: DEMO_ATTESTER_PRIVATE_KEY,
			eas: config.contracts.eas!,
			schemaUid: config.providerSchemaUid!,
			provider: doctor.address,
			name: 'Urgences Nord',
			role: 'physician',
			licence: 'RPPS 10101010101'
		});

		const guardians = [await person(), await person(), await person()];
		const [g1, g2, g3] = guardians;

		// The patient: an allergy, a medication and a lab result, imported as FHIR.
		const patient = await person();
		const pp = patient.page;
		await go(pp, '#/import');
		await pp.getByTestId('import-files').setInputFiles({ name: 'lina.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(BUNDLE)) });
		await pp.getByTestId('import-submit').click({ timeout: 60_000 });
		await pp.getByTestId('timeline-count').waitFor({ timeout: 120_000 });

		// Guardians chosen from registered wallets, 2 needed, no waiting period.
		await visitEmergency(patient);
		await pp.getByTestId('guardian-none').waitFor();
		for (const g of guardians) await pp.getByTestId(`guardian-choose-${g.address.toLowerCase()}`).check();
		await pp.getByTestId('guardian-threshold').fill('2');
		await pp.getByTestId('guardian-wait').fill('0');
		await pp.getByTestId('guardian-summary').fill('Blood group O+.');
		await pp.getByTestId('guardian-save').click();
		await waitForText(pp.getByTestId('notice'), 'Guardians saved', 120_000);
		expect(await pp.getByTestId('guardian-current').innerText()).toMatch(/3 guardians, 2 needed/);

		// The provider asks.
		const dp = doctor.page;
		await go(dp, '#/emergency-request');
		await dp.getByTestId('emergency-patient').fill(patient.address);
		await dp.getByTestId('emergency-reason').fill('Unconscious after a road accident, A&E Nord');
		await dp.getByTestId('emergency-submit').click();
		const sent = await waitForText(dp.getByTestId('notice'), 'Emergency request #', 120_000);
		const id = /#(\d+)/.exec(sent)![1];

		// The patient's and the first guardian's inboxes show the new request.
		await go(pp, '#/');
		await go(pp, '#/inbox');
		expect(await waitForText(pp.getByTestId('inbox-emergency-request'), 'road accident', 60_000)).toContain(`#${id}`);
		await go(g1.page, '#/inbox');
		expect(await waitForText(g1.page.getByTestId('inbox-emergency-guardian'), 'waits for your approval', 60_000)).toContain(patient.address);

		// One approval: the provider still sees nothing.
		await guardianStep(g1, id, 'guardian-approve', `You approved request #${id}`);
		let card = await openAttempt(doctor, id);
		expect(await card.getAttribute('data-status')).toBe('open');
		expect(await card.getByTestId('emergency-open-refused').getAttribute('data-error')).toBe('EmergencyRequestStateError');
		expect(await dp.getByTestId('scope-item').count()).toBe(0);

		// The second approval; the provider finalizes; nothing opens before the shares are released.
		await guardianStep(g2, id, 'guardian-approve', `You approved request #${id}`);
		card = await providerCard(doctor, id);
		await card.getByTestId('emergency-finalize').click();
		await waitForText(dp.getByTestId('notice'), 'finalized', 120_000);
		card = await openAttempt(doctor, id);
		expect(await card.getByTestId('emergency-open-refused').getAttribute('data-error')).toBe('EmergencySharesMissingError');
		await guardianStep(g1, id, 'guardian-release', 'was released to the provider');
		card = await openAttempt(doctor, id);
		expect(await card.getByTestId('emergency-open-refused').innerText()).toContain('1 of the 2 key shares');
		expect(await dp.getByTestId('scope-item').count()).toBe(0);
		// g3 never approved: it has nothing to release.
		await visitEmergency(g3);
		expect(await g3.page.locator(`[data-testid="guardian-request"][data-id="${id}"]`).getByTestId('guardian-release').count()).toBe(0);

		await guardianStep(g2, id, 'guardian-release', 'was released to the provider');
		card = await openAttempt(doctor, id);
		await card.getByTestId('emergency-scope').waitFor({ timeout: 60_000 });
		expect(await card.getByTestId('scope-allergies').getByTestId('scope-item').allInnerTexts()).toEqual([expect.stringContaining('Allergy to penicillin')]);
		expect(await card.getByTestId('scope-medications').getByTestId('scope-item').allInnerTexts()).toEqual([expect.stringContaining('Lisinopril 10 MG Oral Tablet')]);
		expect(await card.getByTestId('scope-problems').getByTestId('scope-item').count()).toBe(0);
		expect(await card.getByTestId('scope-summary').innerText()).toContain('Blood group O+.');
		expect(await a11yViolations(dp)).toEqual([]);
		// Only the scope: the lab result and the patient's name are nowhere on the provider's page.
		expect(await dp.getByText('Hemoglobin').count()).toBe(0);
		expect(await dp.getByText('Moreau').count()).toBe(0);

		// The patient sees the whole request: two approvals, two releases.
		await visitEmergency(patient);
		const mine = pp.locator(`[data-testid="emergency-request"][data-id="${id}"]`);
		expect(await mine.getAttribute('data-status')).toBe('finalized');
		expect(await mine.getByTestId('emergency-request-reason').innerText()).toContain('road accident');
		expect(await mine.getByTestId('emergency-request-approvals').innerText()).toContain(`Approved by 2: ${g1.address}, ${g2.address}`);
		expect(await mine.getByTestId('emergency-request-releases').innerText()).toContain('Shares released: 2');
		expect(await a11yViolations(pp)).toEqual([]);

		// A new medication: the patient's next visit of the Emergency page publishes the refreshed scope.
		await go(pp, '#/import');
		const more = { ...BUNDLE, entry: [BUNDLE.entry[0], { resource: { ...BUNDLE.entry[2].resource, id: 'med-2', medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'Metformin 500 MG Oral Tablet' }], text: 'Metformin 500 MG Oral Tablet' } } }] };
		await pp.getByTestId('import-files').setInputFiles({ name: 'more.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(more)) });
		await pp.getByTestId('import-submit').click({ timeout: 60_000 });
		await pp.getByTestId('timeline-count').waitFor({ timeout: 120_000 });
		await visitEmergency(patient);
		await waitForText(pp.getByTestId('notice'), 'your emergency information was updated', 60_000);
		card = await openAttempt(doctor, id);
		await card.getByTestId('emergency-scope').waitFor({ timeout: 60_000 });
		expect((await card.getByTestId('scope-medications').getByTestId('scope-item').allInnerTexts()).map((t) => t.split('\t')[0])).toEqual([
			'Lisinopril 10 MG Oral Tablet',
			'Metformin 500 MG Oral Tablet'
		]);

		// A second request, approved once, cancelled by the patient: nothing is ever revealed for it.
		await go(dp, '#/emergency-request');
		await dp.getByTestId('emergency-patient').fill(patient.address);
		await dp.getByTestId('emergency-reason').fill('Second request');
		await dp.getByTestId('emergency-submit').click();
		const second = /#(\d+)/.exec(await waitForText(dp.getByTestId('notice'), 'Emergency request #', 120_000))![1];
		await guardianStep(g3, second, 'guardian-approve', `You approved request #${second}`);
		await visitEmergency(patient);
		await pp.locator(`[data-testid="emergency-request"][data-id="${second}"]`).getByTestId('emergency-cancel').click();
		await waitForText(pp.getByTestId('notice'), `Request #${second} cancelled`, 120_000);
		card = await providerCard(doctor, second);
		expect(await card.getAttribute('data-status')).toBe('cancelled');
		expect(await card.getByTestId('emergency-open').count()).toBe(0);
		expect(await card.getByTestId('emergency-scope').count()).toBe(0);
		await visitEmergency(g1);
		const cancelled = g1.page.locator(`[data-testid="guardian-request"][data-id="${second}"]`);
		expect(await cancelled.getAttribute('data-status')).toBe('cancelled');
		expect(await cancelled.getByTestId('guardian-approve').count()).toBe(0);
		expect(await cancelled.getByTestId('guardian-release').count()).toBe(0);

		// The patient's Audit page: the whole emergency sequence in chain order, who did each (the verified
		// provider by name, guardians by address, the patient as "You") and the transaction of each.
		await go(pp, '#/audit');
		await pp.getByTestId('audit-trail').waitFor({ timeout: 120_000 });
		const emergencyRows = pp.locator('[data-testid="audit-entry"][data-kind^="emergency-"]');
		const D = doctor.address.toLowerCase(), P = patient.address.toLowerCase();
		const [G1, G2, G3] = guardians.map((g) => g.address.toLowerCase());
		await pp.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"] [data-testid="provider-identity"][data-status="checking"]').length === 0, null, { timeout: 60_000 });
		const rows = await emergencyRows.evaluateAll((trs) =>
			trs.map((tr) => ({
				kind: tr.getAttribute('data-kind'),
				actor: tr.querySelector('[data-testid="audit-entry-actor"]')!.getAttribute('data-address')!.toLowerCase(),
				who: (tr.querySelector('[data-testid="audit-entry-actor"]') as HTMLElement).innerText,
				summary: (tr.querySelector('[data-testid="audit-entry-summary"]') as HTMLElement).innerText,
				tx: tr.querySelector('[data-testid="audit-entry-tx"]')!.getAttribute('data-tx')!
			}))
		);
		expect(rows.map((r) => [r.kind, r.actor])).toEqual([
			['emergency-guardians-set', P],
			['emergency-requested', D],
			['emergency-approved', G1],
			['emergency-approved', G2],
			['emergency-finalized', D],
			['emergency-released', G1],
			['emergency-released', G2],
			['emergency-requested', D],
			['emergency-approved', G3],
			['emergency-cancelled', P]
		]);
		expect(rows.map((r) => /#(\d+)/.exec(r.summary)?.[1] ?? '')).toEqual(['', id, id, id, id, id, id, second, second, second]);
		expect(rows[0].summary).toBe('Emergency guardians named: 3, 2 needed to approve, no waiting period (key epoch 1)');
		expect(rows[3].summary).toMatch(/\(2 so far; threshold reached/);
		for (const r of rows) expect(r.tx).toMatch(/^0x[0-9a-f]{64}$/);
		// Two releases are two transactions; the guardians' set-up is the patient's own.
		expect(new Set(rows.map((r) => r.tx)).size).toBe(rows.length);
		expect(rows[0].who).toBe('You');
		expect(rows[9].who).toBe('You');
		for (const i of [1, 4, 7]) expect(rows[i].who).toContain('Verified: Urgences Nord');
		for (const i of [2, 3, 5, 6, 8]) {
			expect(rows[i].who).toContain('Unverified');
			expect(rows[i].who.toLowerCase()).toContain(rows[i].actor.slice(0, 6));
		}
		// The person filter lists the provider by name and each guardian by address; choosing one shows only theirs.
		const options = await pp.getByTestId('audit-filter-person').locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent?.trim().toLowerCase()]));
		expect(options).toEqual(expect.arrayContaining([[P, 'you'], [D, 'urgences nord'], [G1, G1], [G2, G2], [G3, G3]]));
		await pp.getByTestId('audit-filter-person').selectOption(G3);
		expect(await pp.getByTestId('audit-entry').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual(['emergency-approved']);
		// The provider: its requests and finalize, and every approval, release and cancellation of its requests.
		await pp.getByTestId('audit-filter-person').selectOption(D);
		expect(await pp.getByTestId('audit-entry').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual(rows.slice(1).map((r) => r.kind));
		await pp.getByTestId('audit-filter-clear').click();
		expect(await a11yViolations(pp)).toEqual([]);
	});
});
