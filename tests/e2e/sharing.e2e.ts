/**
 * Consent and sharing with three browser profiles (three people on three
 * machines): the patient (dev account 1), a doctor with a wallet (dev account
 * 2, a registered provider) and a doctor with only a link (no wallet at all).
 * Real anvil, the built site, the local IPFS peer. Accounts 1 and 2 only
 * connect in wallet.e2e, so no other spec has a vault for them.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { accounts, config, newProfile, rpcUrl, serveAt, url, waitForText, type Profile, connect, go } from './harness';

const patientAccount = accounts[1];
const doctorAccount = accounts[2];
const DOCTOR = 'Dr. Grace Hopper';

const RECORDS = [
	{ title: 'Atorvastatin 20 mg', category: 'medications', name: 'atorvastatin.txt', text: 'Atorvastatin 20 mg once daily at night.\n' },
	{ title: 'Penicillin allergy', category: 'allergies', name: 'allergy.txt', text: 'Penicillin: hives (2019).\n' },
	{ title: 'Visit note', category: 'notes', name: 'note.txt', text: 'Knee pain after running; rest for a week.\n' },
	{ title: 'Knee X-ray', category: 'imaging', name: 'knee.txt', text: 'X-ray report: no fracture.\n' },
	{ title: 'Lipid panel', category: 'labs', name: 'lipids.txt', text: 'LDL 2.9 mmol/L\n' }
] as const;
const NEW_MED = { title: 'Metformin 500 mg', category: 'medications', name: 'metformin.txt', text: 'Metformin 500 mg twice daily.\n' };
const AFTER_REVOKE = { title: 'Lisinopril 10 mg', category: 'medications', name: 'lisinopril.txt', text: 'Lisinopril 10 mg once daily.\n' };


async function addRecord(page: Page, r: { title: string; category: string; name: string; text: string }) {
	await go(page, '#/add');
	await page.getByTestId('file-input').setInputFiles({ name: r.name, mimeType: 'text/plain', buffer: Buffer.from(r.text) });
	await page.getByTestId('title-input').fill(r.title);
	await page.getByTestId('category-select').selectOption(r.category);
	await page.getByTestId('add-submit').click();
	await waitForText(page.getByTestId('notice'), 'Record added.', 120_000);
}

async function rpc(method: string, params: unknown[] = []) {
	const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
	const body = (await res.json()) as { result?: unknown; error?: { message: string } };
	if (body.error) throw new Error(`${method}: ${body.error.message}`);
	return body.result;
}

/** The titles the doctor's /shared page shows, after a refresh. */
async function sharedTitles(page: Page, expectedCount: number): Promise<string[]> {
	await page.getByTestId('shared-refresh').click();
	await page.getByTestId('shared-busy').waitFor({ state: 'hidden', timeout: 60_000 });
	await page.getByTestId('shared-record').nth(expectedCount - 1).waitFor({ timeout: 60_000 });
	return (await page.getByTestId('shared-record-title').allInnerTexts()).sort();
}

/** Makes a share link of `categories` with an optional end date (YYYY-MM-DD); returns its URL. */
async function makeLink(page: Page, categories: string[], endDate?: string): Promise<string> {
	for (const c of categories) await page.getByTestId(`link-category-${c}`).check();
	if (endDate) {
		await page.getByTestId('link-expiry-date-mode').check();
		await page.getByTestId('link-expiry-date').fill(endDate);
	}
	await page.getByTestId('link-submit').click();
	await page.getByTestId('share-link-url').waitFor({ timeout: 120_000 });
	const link = await page.getByTestId('share-link-url').inputValue();
	await page.getByTestId('share-link-qr').waitFor();
	expect(await page.getByTestId('share-link-warning').innerText()).toMatch(/Anyone who has this link/);
	expect(await page.getByTestId('share-link-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
	await page.getByTestId('share-link-done').click();
	return link;
}

let patient: Profile;
let doctor: Profile;

describe('consent and sharing', () => {
	test('grant medications+allergies: the doctor sees exactly those, then new medications, until revoked', async () => {
		// The doctor: a vault (published keys) and a provider registration.
		doctor = await newProfile();
		await doctor.wallet({ privateKey: doctorAccount.privateKey });
		const dp = doctor.page;
		await connect(dp);
		await go(dp, '#/provider');
		await dp.getByTestId('create-vault-button').click();
		await dp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await dp.getByTestId('provider-name-input').fill(DOCTOR);
		await dp.getByTestId('provider-register').click();
		await waitForText(dp.getByTestId('provider-current-name'), DOCTOR, 60_000);

		// The patient: a vault with five records in five categories.
		patient = await newProfile();
		await patient.wallet({ privateKey: patientAccount.privateKey });
		const pp = patient.page;
		await connect(pp);
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('no-records').waitFor();
		for (const r of RECORDS) await addRecord(pp, r);

		// Grant medications + allergies to the doctor, picked by address, shown by registered name.
		await go(pp, '#/share');
		await pp.getByTestId('grant-form').waitFor();
		await pp.getByTestId('grantee-advanced-summary').click();
		await pp.getByTestId('grantee-input').fill(doctorAccount.address);
		expect(await waitForText(pp.getByTestId('grantee-name'), DOCTOR)).toContain(DOCTOR);
		await pp.getByTestId('grant-category-medications').check();
		await pp.getByTestId('grant-category-allergies').check();
		await pp.getByTestId('grant-submit').click();
		expect(await waitForText(pp.getByTestId('notice'), 'Shared with', 120_000)).toContain(DOCTOR);
		const row = pp.getByTestId('grant-row').filter({ hasText: DOCTOR });
		expect(await row.getAttribute('data-status')).toBe('active');
		expect(await row.getByTestId('grant-scope').innerText()).toBe('Medications, Allergies');

		// The doctor sees exactly those two: no note, no image, no lab.
		await go(dp, '#/shared');
		await dp.getByTestId('shared-with-me').waitFor();
		expect(await sharedTitles(dp, 2)).toEqual(['Atorvastatin 20 mg', 'Penicillin allergy']);
		expect(await dp.getByTestId('share-patient').first().innerText()).toBe(patientAccount.address);
		await dp.getByTestId('shared-record-open').filter({ hasText: 'Atorvastatin 20 mg' }).click();
		expect(await waitForText(dp.getByTestId('shared-attachment-text'), 'Atorvastatin', 60_000)).toBe(RECORDS[0].text.trim());
		for (const hidden of ['Visit note', 'Knee X-ray', 'Lipid panel']) expect(await dp.getByText(hidden).count()).toBe(0);

		// A new medication reaches the doctor without a new grant.
		await addRecord(pp, NEW_MED);
		expect(await sharedTitles(dp, 3)).toEqual(['Atorvastatin 20 mg', 'Metformin 500 mg', 'Penicillin allergy']);
		await dp.getByTestId('shared-record-open').filter({ hasText: 'Metformin 500 mg' }).click();
		expect(await waitForText(dp.getByTestId('shared-attachment-text').last(), 'Metformin', 60_000)).toBe(NEW_MED.text.trim());

		// Revoke, with the plain warning; then another medication.
		await go(pp, '#/share');
		await pp.getByTestId('grant-row').filter({ hasText: DOCTOR }).getByTestId('grant-revoke').click();
		expect(await pp.getByTestId('revoke-warning').innerText()).toContain('cannot be taken back');
		await pp.getByTestId('revoke-confirm').click();
		expect(await waitForText(pp.getByTestId('notice'), 'Revoked', 120_000)).toContain('cannot be taken back');
		await pp.locator('[data-testid="grant-row"][data-status="revoked"]').waitFor({ timeout: 60_000 });
		await addRecord(pp, AFTER_REVOKE);

		// The doctor is refused, and never gets the record added after revocation.
		await dp.getByTestId('shared-refresh').click();
		expect(await waitForText(dp.getByTestId('share-refused'), 'revoked', 60_000)).toContain('cannot be taken back');
		expect(await dp.getByTestId('shared-record').count()).toBe(0);
		expect(await dp.getByText(AFTER_REVOKE.title).count()).toBe(0);
	});

	test('a provider requests access; the patient approves; the provider sees the outcome and the records', async () => {
		const dp = doctor.page;
		const pp = patient.page;
		await dp.getByTestId('request-patient').fill(patientAccount.address);
		await dp.getByTestId('request-category-labs').check();
		await dp.getByTestId('request-reason').fill('Cardiology referral: I need your recent lipid results.');
		await dp.getByTestId('request-submit').click();
		await waitForText(dp.getByTestId('notice'), 'sent', 60_000);
		expect(await dp.getByTestId('my-request').first().getAttribute('data-status')).toBe('pending');

		// The request shows in the patient's inbox, which points to where it is answered.
		await go(pp, '#/inbox');
		expect(await waitForText(pp.getByTestId('inbox-access-request').first(), 'Cardiology referral', 60_000)).toContain(DOCTOR);
		await go(pp, '#/share');
		const req = pp.getByTestId('access-request').first();
		expect(await waitForText(req.getByTestId('access-request-reason'), 'Cardiology referral', 60_000)).toBe('Cardiology referral: I need your recent lipid results.');
		expect(await req.getByTestId('access-request-provider').getByTestId('provider-declared-name').innerText()).toBe(DOCTOR);
		expect(await req.getByTestId('access-request-categories').innerText()).toBe('Labs and observations');
		await req.getByTestId('access-request-approve').click();
		await waitForText(pp.getByTestId('notice'), 'Approved', 120_000);

		expect(await sharedTitles(dp, 1)).toEqual(['Lipid panel']);
		expect(await dp.getByTestId('my-request').first().getAttribute('data-status')).toBe('approved');
	});

	test('a doctor with only a link (no wallet) sees exactly its scope, and is refused after expiry and after revocation', async () => {
		const pp = patient.page;
		await go(pp, '#/share');
		await pp.getByTestId('link-form').waitFor();
		const tomorrow = new Date(Date.now() + 86_400_000);
		const endDate = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
		const expiring = await makeLink(pp, ['notes', 'imaging'], endDate);
		const revocable = await makeLink(pp, ['allergies']);
		for (const link of [expiring, revocable]) {
			expect(link.startsWith(url)).toBe(true);
			// The secret travels in the fragment only: never in a path or query a server would see.
			const { pathname, search } = new URL(link);
			expect(pathname + search).toBe(new URL(url).pathname);
			expect(new URL(link).hash).toMatch(/^#\/link\/[A-Za-z0-9_-]+$/);
		}

		const viewer = await newProfile();
		const vp = viewer.page;
		const viewerSockets: string[] = [];
		vp.on('websocket', (ws) => viewerSockets.push(ws.url()));
		// The doctor is on the site, then opens the link in the same tab: the link is a new history entry.
		await vp.goto(url);
		await vp.getByTestId('connect-wallet').waitFor({ timeout: 60_000 });
		await vp.goto(expiring);
		await vp.getByTestId('link-share').waitFor({ timeout: 60_000 });
		expect((await vp.getByTestId('link-scope').innerText()).split(', ').sort()).toEqual(['Imaging', 'Notes']);
		expect(await vp.getByTestId('link-expiry').innerText()).toMatch(/^until /);
		await vp.getByTestId('shared-record').nth(1).waitFor();
		expect((await vp.getByTestId('shared-record-title').allInnerTexts()).sort()).toEqual(['Knee X-ray', 'Visit note']);
		await vp.getByTestId('shared-record-open').filter({ hasText: 'Visit note' }).click();
		expect(await waitForText(vp.getByTestId('shared-attachment-text'), 'Knee pain', 60_000)).toBe(RECORDS[2].text.trim());
		expect(await vp.evaluate(() => 'ethereum' in window)).toBe(false);
		// The site names a gateway: the viewer read through it, and never started libp2p to dial the peer.
		expect(viewerSockets).toEqual([]);

		// A doctor's browser on a site that names no IPFS peer, only the trustless gateway: the bundle and
		// the records come over HTTP (GET /ipfs/<cid>?format=raw), each block checked against its CID.
		const gatewayOnly = await serveAt('/gateway-only/', { ...config, ipfsPeers: [] });
		const gv = (await newProfile()).page;
		const gatewayRequests: string[] = [];
		gv.on('request', (req) => {
			if (req.url().startsWith(`${config.gateways[0]}/ipfs/`)) gatewayRequests.push(req.url());
		});
		await gv.goto(`${gatewayOnly.url}${new URL(expiring).hash}`);
		await gv.getByTestId('link-share').waitFor({ timeout: 60_000 });
		await gv.getByTestId('shared-record').nth(1).waitFor();
		await gv.getByTestId('shared-record-open').filter({ hasText: 'Visit note' }).click();
		expect(await waitForText(gv.getByTestId('shared-attachment-text'), 'Knee pain', 60_000)).toBe(RECORDS[2].text.trim());
		expect(gatewayRequests.length).toBeGreaterThan(0);
		for (const request of gatewayRequests) expect(request).toMatch(/\/ipfs\/b[a-z2-7]+\?format=raw$/);

		// Once read, the link's secret is gone from the address bar, from history.state and from every entry of the tab's history.
		const secret = new URL(expiring).hash.slice('#/link/'.length);
		const pieces = [secret, secret.slice(-32), secret.slice(40, 72)];
		const opened = `${expiring.split('#')[0]}#/link`;
		expect(vp.url()).toBe(opened);
		const cdp = await viewer.context.newCDPSession(vp);
		const tabHistory = async () => (await cdp.send('Page.getNavigationHistory')).entries.map((e) => e.url);
		expect(await tabHistory()).toContain(opened);
		const seen = JSON.stringify(await tabHistory()) + (await vp.evaluate(() => JSON.stringify(history.state) + location.href + document.URL));
		for (const piece of pieces) expect(seen).not.toContain(piece);
		// A reload finds no secret to open, and says where to get it again.
		await vp.reload();
		expect(await waitForText(vp.getByTestId('link-forgotten-text'), 'original link', 60_000)).toBe(
			'This link was opened in this tab; open it again from the original link.'
		);
		expect(await vp.getByTestId('shared-record').count()).toBe(0);
		// Going back leads to the page before the link, which never held it either.
		await vp.goBack();
		expect(vp.url()).not.toContain('#/link');
		for (const piece of pieces) expect(JSON.stringify(await tabHistory()) + vp.url()).not.toContain(piece);
		await cdp.detach();

		// A fresh page load, as a doctor opening a second link would do (a hash change alone keeps the page).
		await vp.goto('about:blank');
		await vp.goto(revocable);
		await vp.getByTestId('link-share').waitFor({ timeout: 60_000 });
		expect((await vp.getByTestId('shared-record-title').allInnerTexts()).sort()).toEqual(['Penicillin allergy']);

		// The viewer holds no vault, so it also works on a shared path gateway, where vaults are refused.
		const gateway = await serveAt('/ipfs/bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku/');
		await vp.goto('about:blank');
		await vp.goto(`${gateway.url}${new URL(revocable).hash}`);
		await vp.getByTestId('link-share').waitFor({ timeout: 60_000 });
		expect((await vp.getByTestId('shared-record-title').allInnerTexts()).sort()).toEqual(['Penicillin allergy']);

		// The patient can show a link again later (rebuilt from the chain and the vault keys): the same URL.
		await go(pp, '#/');
		await go(pp, '#/share');
		const linkRows = pp.getByTestId('grant-row').filter({ hasText: 'Share link' }).filter({ hasText: 'Allergies' });
		await linkRows.first().getByTestId('grant-show-link').click({ timeout: 60_000 });
		await pp.getByTestId('share-link-url').waitFor({ timeout: 60_000 });
		expect(await pp.getByTestId('share-link-url').inputValue()).toBe(revocable);
		await pp.getByTestId('share-link-done').click();

		// Revoked: the viewer is refused and shown nothing.
		await pp.getByTestId('grants-refresh').click();
		await linkRows.first().getByTestId('grant-revoke').click();
		await pp.getByTestId('revoke-confirm').click();
		await waitForText(pp.getByTestId('notice'), 'Revoked', 120_000);
		await vp.goto('about:blank');
		await vp.goto(revocable);
		expect(await waitForText(vp.getByTestId('link-refused-text'), 'revoked', 60_000)).toContain('revoked');
		expect(await vp.getByTestId('shared-record').count()).toBe(0);

		// Expired: the chain's clock moves past the end date.
		await rpc('evm_increaseTime', [3 * 86_400]);
		await rpc('evm_mine');
		await vp.goto('about:blank');
		await vp.goto(expiring);
		expect(await waitForText(vp.getByTestId('link-refused-text'), 'expired', 60_000)).toContain('expired');
		expect(await vp.getByTestId('shared-record').count()).toBe(0);

		await viewer.close();
		await patient.close();
		await doctor.close();
	});
});
