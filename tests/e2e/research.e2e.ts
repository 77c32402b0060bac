/**
 * Research on the patient's terms, in the browser: a researcher registers and
 * is verified by the site's demo attester (the one that verifies providers),
 * then registers a study. A patient imports a Synthea patient, previews the
 * de-identified data and joins; the researcher opens the release and finds no
 * name or birth date of the patient. The patient withdraws; the researcher
 * sees the withdrawal and no further release is made.
 */
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createPublicClient, http, parseAbiItem, type Hex } from 'viem';
import { attestProvider, DEMO_ATTESTER_PRIVATE_KEY } from '../../scripts/attest.mjs';
import { listPatients, parseFhirFiles, selectPatient } from '../../src/lib/records/fhir/import';
import { config, connect, freshAccount, go, newProfile, rpcUrl, waitForText } from './harness';

const FIXTURE = fileURLToPath(new URL('../fixtures/synthea-10/', import.meta.url));
const files = readdirSync(FIXTURE).filter((f) => f.endsWith('.ndjson')).map((f) => join(FIXTURE, f));
const PATIENT_ID = 'cbc86e51-9eca-3855-76ec-c058f72c5761';

async function personWithVault(privateKey: Hex): Promise<Page> {
	const profile = await newProfile();
	await profile.wallet({ privateKey });
	const page = profile.page;
	await connect(page);
	await page.getByTestId('create-vault-button').click();
	await page.getByTestId('recovery-code-done').click({ timeout: 60_000 });
	await page.getByTestId('no-records').waitFor();
	return page;
}

const releasesBy = async (patient: Hex) =>
	(
		await createPublicClient({ transport: http(rpcUrl) }).getLogs({
			address: config.contracts.researchConsent!,
			event: parseAbiItem('event DataReleased(uint256 indexed studyId, address indexed patient, address indexed researcher, bytes sealedPointer)'),
			args: { patient },
			fromBlock: 0n
		})
	).length;

describe('research consent', () => {
	test('a verified researcher’s study: the patient previews and joins, the release holds no name; after withdrawal nothing more is released', async () => {
		const source = parseFhirFiles(files.map((f) => ({ name: f.split('/').pop()!, text: readFileSync(f, 'utf8') })));
		const listing = listPatients(source).find((p) => p.id === PATIENT_ID)!;
		const patientResource = selectPatient(source, PATIENT_ID).resources[0] as unknown as { name: Array<{ family: string; given: string[] }>; birthDate: string; telecom: Array<{ value: string }> };
		const secrets = [patientResource.name[0].family, ...patientResource.name[0].given, patientResource.birthDate, patientResource.telecom[0].value, PATIENT_ID];

		const [researcher, patient] = await Promise.all([freshAccount(), freshAccount()]);

		// The researcher registers, is attested as a researcher, and registers a study.
		const pr = await personWithVault(researcher.privateKey);
		await go(pr, '#/researcher');
		await pr.getByTestId('researcher-name-input').fill('Allergy Research Institute');
		await pr.getByTestId('researcher-register').click();
		await pr.getByTestId('researcher-current').waitFor({ timeout: 60_000 });
		await attestProvider({
			rpcUrl,
			privateKey: DEMO_ATTESTER_PRIVATE_KEY,
			eas: config.contracts.eas!,
			schemaUid: config.providerSchemaUid!,
			provider: researcher.address,
			name: 'Allergy Research Institute',
			role: 'researcher',
			licence: 'IRB 2026-042'
		});
		// A right-to-left override in the researcher's own text must not reach the patient's screen.
		await pr.getByTestId('study-purpose-input').fill('Allergies and chronic problems\u202e in young adults');
		await pr.getByTestId('study-category-allergies').check();
		await pr.getByTestId('study-category-problems').check();
		await pr.getByTestId('study-end-input').fill(`${new Date().getUTCFullYear() + 1}-12-31`);
		await pr.getByTestId('study-submit').click();
		const study = pr.getByTestId('researcher-study');
		await study.waitFor({ timeout: 60_000 });
		await study.getByTestId('researcher-no-participants').waitFor();

		// The patient imports a Synthea patient.
		const pp = await personWithVault(patient.privateKey);
		await pp.getByTestId('nav-import').click();
		await pp.getByTestId('import-files').setInputFiles(files);
		await pp.getByTestId('import-patients').waitFor({ timeout: 60_000 });
		await pp.getByTestId('import-patients').getByLabel(listing.name ?? listing.id, { exact: false }).check();
		await pp.getByTestId('import-submit').click();
		await pp.getByTestId('timeline-count').waitFor({ timeout: 120_000 });

		// The study is listed (its researcher is verified); the preview shows what would be sent, with counts.
		await pp.getByTestId('nav-research').click();
		const row = pp.locator('[data-testid="research-study"][data-status="not-joined"]');
		await row.waitFor({ timeout: 60_000 });
		expect(await row.getByTestId('research-study-purpose').innerText()).toBe('Allergies and chronic problems in young adults');
		expect(await row.locator('[data-testid="provider-identity"][data-status="verified"]').count()).toBe(1);
		await row.getByTestId('research-preview-open').click();
		const preview = pp.getByTestId('research-preview');
		await preview.waitFor({ timeout: 60_000 });
		const counts = await preview.getByTestId('research-preview-counts').innerText();
		expect(counts).toMatch(/\d+ AllergyIntolerance/);
		expect(counts).toMatch(/\d+ Condition/);
		expect(counts).not.toContain('Encounter');
		const previewText = await preview.innerText();
		for (const s of secrets) expect(previewText).not.toContain(s);
		expect(await releasesBy(patient.address)).toBe(0);
		await pp.getByTestId('research-confirm').click();
		await pp.locator('[data-testid="research-study"][data-status="joined"]').waitFor({ timeout: 60_000 });
		expect(await releasesBy(patient.address)).toBe(1);

		// The researcher sees the patient and opens the release: no name, no birth date.
		await pr.getByTestId('researcher-refresh').click();
		const participant = pr.locator('[data-testid="participant"][data-status="taking-part"]');
		await participant.waitFor({ timeout: 60_000 });
		await participant.getByTestId('open-release').click();
		const view = pr.getByTestId('release-view');
		await view.waitFor({ timeout: 60_000 });
		await view.getByTestId('fhir-row').first().waitFor();
		const rows = await view.getByTestId('fhir-row').count();
		expect(rows).toBeGreaterThan(1);
		// Every row's FHIR JSON (in the page, folded) holds none of the patient's identifiers.
		const released = await view.evaluate((el) => el.textContent ?? '');
		expect(released).toContain('"resourceType": "Patient"');
		for (const s of secrets) expect(released).not.toContain(s);
		expect(released).toContain('AllergyIntolerance');
		await pr.getByTestId('release-close').click();

		// The patient withdraws; the researcher sees it; no new release happens.
		await pp.locator('[data-testid="research-study"][data-status="joined"]').getByTestId('research-withdraw').click();
		const withdrawn = pp.locator('[data-testid="research-study"][data-status="withdrawn"]');
		await withdrawn.waitFor({ timeout: 60_000 });
		await waitForText(withdrawn.getByTestId('research-study-withdrawn'), 'stay with the researcher');
		expect(await withdrawn.getByTestId('research-release-again').count()).toBe(0);

		await pr.getByTestId('researcher-refresh').click();
		const gone = pr.locator('[data-testid="participant"][data-status="withdrawn"]');
		await gone.waitFor({ timeout: 60_000 });
		expect(await gone.getByTestId('participant-status').innerText()).toContain('Withdrew on');
		expect(await gone.getAttribute('data-releases')).toBe('1');
		expect(await releasesBy(patient.address)).toBe(1);

		// The patient's Audit page: consent given, then withdrawn, for that study, by the patient, concerning the verified researcher.
		await go(pp, '#/audit');
		await pp.getByTestId('audit-trail').waitFor({ timeout: 120_000 });
		const auditRows = pp.locator('[data-testid="audit-entry"][data-kind^="research-"]');
		expect(await auditRows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual(['research-consent-given', 'research-consent-withdrawn']);
		const summaries = await auditRows.getByTestId('audit-entry-summary').allInnerTexts();
		const studyIds = summaries.map((t) => /research study #(\d+)/.exec(t)?.[1]);
		expect(studyIds[0]).toMatch(/^\d+$/);
		expect(studyIds[1]).toBe(studyIds[0]);
		expect(summaries[1]).toContain('withdrawn');
		for (const i of [0, 1]) {
			const row = auditRows.nth(i);
			expect(await row.getByTestId('audit-entry-actor').innerText()).toBe('You');
			expect((await row.getByTestId('audit-entry-counterparty').getAttribute('data-address'))?.toLowerCase()).toBe(researcher.address.toLowerCase());
			await waitForText(row.getByTestId('audit-entry-counterparty'), 'Allergy Research Institute', 60_000);
			expect(await row.getByTestId('audit-entry-tx').getAttribute('data-tx')).toMatch(/^0x[0-9a-f]{64}$/);
		}
	});
});
