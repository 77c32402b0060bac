/**
 * Malformed FHIR from other people cannot break the patient's pages.
 *
 * - The forms refuse FHIR the vault could not read back, and accepting a
 *   provider's proposal of unreadable FHIR is refused with the reason (the
 *   patient can still reject it).
 * - A record whose FHIR is unreadable, written into the vault by another
 *   client (an older Carevault accepted anything; here the use cases run in
 *   node with the patient's recovery code, as a second device would), is
 *   listed as unreadable with its reason on the timeline, the current lists,
 *   the export and its record page, and every good record still shows. A
 *   file named .ndjson with a `null` line (any patient can add one) shows its
 *   good resource and the reason for the bad line.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createPublicClient, createWalletClient, http, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { memoryLocal } from '../setup/memoryLocal';
import { createMemoryNode } from '../../src/lib/ipfs/memoryNode';
import { createVaultChain } from '../../src/lib/chain/vaultChain';
import { unlockVault } from '../../src/lib/vault/unlockVault';
import { encryptRecords } from '../../src/lib/vault/addRecords';
import { commitRecords } from '../../src/lib/vault/commitRecords';
import { bytesFile, FHIR_JSON } from '../../src/lib/vault/fhirRecords';
import type { VaultDeps } from '../../src/lib/vault/deps';
import { freshAccount, config, connect, go, newProfile, rpcUrl, url, waitForText } from './harness';

// Valid R4 (subject is required), so the export holds them; see r4.test.ts for what it does with invalid ones.
const SUBJECT = { reference: 'Patient/p1' };
const AMOXICILLIN = { resourceType: 'MedicationRequest', id: 'amox-1', status: 'active', intent: 'order', subject: SUBJECT, medicationCodeableConcept: { text: 'Amoxicillin 500 mg' }, authoredOn: '2024-05-02' };
const ASTHMA = {
	resourceType: 'Condition',
	id: 'asthma-1',
	subject: SUBJECT,
	clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
	code: { text: 'Asthma' },
	onsetDateTime: '2010-04-01'
};
const BAD_BUNDLE = '{"resourceType":"Bundle","entry":[{"resource":5}]}';
const BAD_REASON = 'entry 1: not a FHIR resource (got a number)';
const BAD_TITLE = 'Medications from an old app';

async function createVaultInBrowser(page: Page): Promise<string> {
	await connect(page);
	await page.getByTestId('create-vault-button').click();
	const code = await waitForText(page.getByTestId('recovery-code'), /[A-Z0-9]{4}-/, 60_000);
	await page.getByTestId('recovery-code-done').click();
	await page.getByTestId('no-records').waitFor();
	return code;
}

async function addFhir(page: Page, resource: object, records: number) {
	await go(page, '#/add');
	await page.getByTestId('source-fhir').check();
	await page.getByTestId('fhir-input').fill(JSON.stringify(resource));
	await page.getByTestId('add-submit').click();
	await page.getByTestId('record-item').nth(records - 1).waitFor({ timeout: 60_000 });
}

/** What a second device with an older app would do: unlock with the recovery code and store an unreadable FHIR record. */
async function storeMalformedRecordElsewhere(privateKey: Hex, recoveryCode: string) {
	const account = privateKeyToAccount(privateKey);
	const chain = { ...foundry, id: config.chainId, rpcUrls: { default: { http: [rpcUrl] } } };
	const walletClient = createWalletClient({ chain, account, transport: http(rpcUrl) });
	const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
	const node = await createMemoryNode({ peers: config.ipfsPeers });
	try {
		const deps: VaultDeps = {
			signer: { address: account.address, chainId: config.chainId, signMessage: (message) => account.signMessage({ message }) },
			chain: createVaultChain({ publicClient, walletClient, account, addresses: config.contracts }),
			blobs: node.blobStore,
			local: memoryLocal(),
			domain: new URL(url).host,
			verifySignature: async () => true
		};
		const vault = await unlockVault(deps, { kind: 'recovery', code: recoveryCode });
		const prepared = await encryptRecords(deps, vault, [
			{
				title: BAD_TITLE,
				category: 'medications',
				date: '2023-01-01',
				kind: 'fhir',
				resourceType: 'Bundle',
				source: 'Old Clinic App',
				files: [bytesFile('bundle.json', FHIR_JSON, new TextEncoder().encode(BAD_BUNDLE))]
			}
		]);
		await commitRecords(deps, vault, prepared);
	} finally {
		await node.stop();
	}
}

describe('malformed FHIR', () => {
	test('an unreadable record is listed with its reason on the timeline, lists, export and record page; the good ones still show', async () => {
		const patientAccount = await freshAccount();
		const profile = await newProfile();
		await profile.wallet({ privateKey: patientAccount.privateKey });
		const { page } = profile;
		const code = await createVaultInBrowser(page);

		// The add form refuses FHIR it could not read back.
		await go(page, '#/add');
		await page.getByTestId('source-fhir').check();
		await page.getByTestId('fhir-input').fill('{"resourceType":"Condition","code":"x"}');
		expect(await waitForText(page.getByTestId('fhir-error'), 'code should be a CodeableConcept')).toContain('got text');
		await page.getByTestId('fhir-input').fill(BAD_BUNDLE);
		expect(await waitForText(page.getByTestId('fhir-error'), BAD_REASON)).toContain('not a FHIR R4 resource');

		// Good records, and a file named .ndjson whose second line is null.
		await addFhir(page, AMOXICILLIN, 1);
		await addFhir(page, ASTHMA, 2);
		await go(page, '#/add');
		await page.getByTestId('file-input').setInputFiles({
			name: 'results.ndjson',
			mimeType: 'application/x-ndjson',
			buffer: Buffer.from(`${JSON.stringify({ ...AMOXICILLIN, id: 'amox-2' })}\nnull\n`)
		});
		await page.getByTestId('add-submit').click();
		await page.getByTestId('record-item').nth(2).waitFor({ timeout: 60_000 });

		await storeMalformedRecordElsewhere(patientAccount.privateKey, code);

		// Reopen: the index now holds the record the other device wrote.
		await page.reload();
		await connect(page);
		await page.getByTestId('unlock-button').click();
		await page.getByTestId('record-item').nth(3).waitFor({ timeout: 60_000 });

		await go(page, '#/timeline');
		expect(await waitForText(page.getByTestId('timeline-count'), /^\d+ of/)).toBe('4 of 4 entries');
		const unreadable = page.getByTestId('unreadable-record');
		expect(await waitForText(unreadable, BAD_REASON, 60_000)).toContain(BAD_TITLE);
		expect(await unreadable.count()).toBe(1);
		expect(await page.getByTestId('timeline-unreadable').count()).toBe(1);
		expect(await page.getByTestId('timeline-entry').filter({ hasText: BAD_TITLE }).getByTestId('timeline-unreadable').count()).toBe(1);
		expect(await page.getByTestId('render-failed').count()).toBe(0);

		await go(page, '#/lists');
		await page.getByTestId('list-medications').getByTestId('list-item').first().waitFor({ timeout: 60_000 });
		expect(await page.getByTestId('list-medications').getByTestId('list-item').allInnerTexts()).toEqual([expect.stringContaining('Amoxicillin 500 mg')]);
		expect(await page.getByTestId('list-problems').getByTestId('list-item').allInnerTexts()).toEqual([expect.stringContaining('Asthma')]);
		expect(await waitForText(page.getByTestId('unreadable-record'), BAD_REASON)).toContain(BAD_TITLE);

		await go(page, '#/export');
		await page.getByTestId('export-bundle').click();
		expect(await waitForText(page.getByTestId('export-ready'), 'entries ready', 60_000)).toContain('2 entries ready');
		expect(await waitForText(page.getByTestId('unreadable-record'), BAD_REASON)).toContain(BAD_TITLE);
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()]);
		const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
		expect(exported.entry.map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`).sort()).toEqual([
			'Condition/asthma-1',
			'MedicationRequest/amox-1'
		]);

		// Its record page says why, and the rest of the page works.
		await page.getByTestId('unreadable-record').getByRole('link', { name: BAD_TITLE }).click();
		expect(await waitForText(page.getByTestId('record-title'), BAD_TITLE)).toBe(BAD_TITLE);
		expect(await waitForText(page.getByTestId('fhir-unreadable-reason'), BAD_REASON, 60_000)).toBe(BAD_REASON);
		await page.getByTestId('attachment-download').waitFor();

		// The .ndjson file: its good resource shows, the null line is reported.
		await go(page, '#/');
		await page.getByTestId('record-link').filter({ hasText: 'results.ndjson' }).click();
		expect(await waitForText(page.getByTestId('fhir-unreadable-reason'), 'line 2', 60_000)).toBe('line 2: not a FHIR resource (got null)');
		expect(await page.getByTestId('fhir-row').allInnerTexts()).toEqual([expect.stringContaining('Amoxicillin 500 mg')]);
		expect(await page.getByTestId('render-failed').count()).toBe(0);
		await profile.close();
	});

	test("a provider's proposal of unreadable FHIR cannot be accepted, says why, and can be rejected", async () => {
		const [providerAccount, patientAccount] = [await freshAccount(), await freshAccount()];
		const patient = await newProfile();
		await patient.wallet({ privateKey: patientAccount.privateKey });
		await createVaultInBrowser(patient.page);

		const provider = await newProfile();
		await provider.wallet({ privateKey: providerAccount.privateKey });
		const pp = provider.page;
		await connect(pp);
		await go(pp, '#/provider');
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('provider-name-input').fill('Careless Lab');
		await pp.getByTestId('provider-register').click();
		await waitForText(pp.getByTestId('provider-current-name'), 'Careless Lab');
		// The provider's form refuses it too; a provider's own software need not, so it arrives as a FHIR file.
		await pp.getByTestId('proposal-source-fhir').check();
		await pp.getByTestId('proposal-fhir-input').fill(BAD_BUNDLE);
		expect(await waitForText(pp.getByTestId('proposal-fhir-error'), BAD_REASON)).toContain('not a FHIR R4 resource');
		await pp.locator('input[type=radio][value=files]').check();
		await pp.getByTestId('patient-input').fill(patientAccount.address);
		await pp.getByTestId('proposal-file-input').setInputFiles({ name: 'labs.json', mimeType: 'application/fhir+json', buffer: Buffer.from(BAD_BUNDLE) });
		await pp.getByTestId('proposal-title-input').fill('Lab results');
		await pp.getByTestId('proposal-category-select').selectOption('labs');
		await pp.getByTestId('propose-submit').click();
		await waitForText(pp.getByTestId('notice'), 'sent', 60_000);

		const pa = patient.page;
		await go(pa, '#/inbox');
		await pa.getByTestId('inbox-open').filter({ hasText: 'Lab results' }).click({ timeout: 60_000 });
		await pa.getByTestId('proposal-accept').click();
		const refusal = await waitForText(pa.getByTestId('notice'), 'cannot be accepted', 60_000);
		expect(refusal).toContain(`"labs.json" is not readable FHIR: ${BAD_REASON}.`);
		expect(refusal).toContain('Nothing was added to your vault');
		await pa.getByTestId('proposal-reject').click();
		await pa.getByTestId('proposal-status').filter({ hasText: 'Rejected' }).waitFor({ timeout: 60_000 });
		await go(pa, '#/');
		await pa.getByTestId('no-records').waitFor();
		await patient.close();
		await provider.close();
	});
});
