/**
 * SMART Health Links in Chromium against the built site, a real anvil and the
 * local IPFS peer (its trustless gateway serves the link's file): the patient
 * imports FHIR data and adds a PDF, makes a SMART Health Link of them, and a
 * fresh browser with no wallet opens it through the viewer URL and sees the
 * records, the PDF drawn by the safe viewer. A link past its exp and a
 * tampered file are refused with their messages.
 */
import { describe, expect, test } from 'vitest';
import { base64url } from 'jose';
import { decodeShl, encodeShl } from '../../src/lib/vault/shl/payload';
import { freshAccount, go, newProfile, url, waitForText, type Profile } from './harness';

const PATIENT_ID = '0d6c2b8e-4a2b-4e0a-9a5e-2f1c5b7d9e01';
const BUNDLE = {
	resourceType: 'Bundle',
	type: 'collection',
	entry: [
		{ fullUrl: `urn:uuid:${PATIENT_ID}`, resource: { resourceType: 'Patient', id: PATIENT_ID, name: [{ family: 'Lovelace', given: ['Ada'] }], birthDate: '1985-12-10' } },
		{
			fullUrl: 'urn:uuid:7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f',
			resource: {
				resourceType: 'Condition',
				id: '7f3e2d1c-0b9a-4c8d-8e7f-6a5b4c3d2e1f',
				clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
				code: { text: 'Childhood asthma' },
				subject: { reference: `urn:uuid:${PATIENT_ID}` },
				onsetDateTime: '1992-04-01'
			}
		}
	]
};

/** A one-page PDF: a black square in the middle of the page. */
function blackSquarePdf(): Buffer {
	const content = '0 0 0 rg 50 50 200 200 re f\n';
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R >>',
		`<< /Length ${content.length} >>\nstream\n${content}endstream`
	];
	let out = '%PDF-1.7\n';
	const offsets: number[] = [];
	objects.forEach((o, i) => {
		offsets.push(out.length);
		out += `${i + 1} 0 obj\n${o}\nendobj\n`;
	});
	const xref = out.length;
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

let patient: Profile;
let link: string;
let viewerUrl: string;

async function viewer(): Promise<Profile> {
	const v = await newProfile();
	// No wallet at all in this browser.
	return v;
}

describe('SMART Health Links', () => {
	test('the patient makes a SMART Health Link of a FHIR record and a PDF; a browser with no wallet opens it and sees them', async () => {
		patient = await newProfile();
		await patient.wallet({ privateKey: (await freshAccount()).privateKey });
		const pp = patient.page;
		await pp.goto(url);
		await pp.getByTestId('connect-wallet').click();
		await pp.getByTestId('account-address').waitFor();
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('no-records').waitFor();

		await go(pp, '#/import');
		await pp.getByTestId('import-files').setInputFiles({ name: 'ada.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(BUNDLE)) });
		await pp.getByTestId('import-submit').click({ timeout: 60_000 });
		await pp.getByTestId('timeline-count').waitFor({ timeout: 120_000 });

		await go(pp, '#/add');
		await pp.getByTestId('file-input').setInputFiles({ name: 'spirometry.pdf', mimeType: 'application/pdf', buffer: blackSquarePdf() });
		await pp.getByTestId('title-input').fill('Spirometry report');
		await pp.getByTestId('category-select').selectOption('labs');
		await pp.getByTestId('add-submit').click();
		await waitForText(pp.getByTestId('notice'), 'Record added.', 120_000);

		await go(pp, '#/share');
		const form = pp.getByTestId('shl-form');
		await form.waitFor();
		expect(await pp.getByTestId('shl-limits').innerText()).toMatch(/cannot be revoked[\s\S]*No access is logged/);
		// The end date is required and defaults to 30 days from today.
		const end = await pp.getByTestId('shl-expiry-date').inputValue();
		const days = Math.round((new Date(`${end}T12:00:00`).getTime() - Date.now()) / 86_400_000);
		expect(days).toBeGreaterThanOrEqual(29);
		expect(days).toBeLessThanOrEqual(30);
		await pp.getByTestId('shl-mode-records').check();
		const boxes = form.getByTestId('shl-record');
		for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
		await pp.getByTestId('shl-label-input').fill('Asthma history\u202e for Dr. Lee');
		await pp.getByTestId('shl-submit').click();
		await pp.getByTestId('shl-card').waitFor({ timeout: 120_000 });

		link = await pp.getByTestId('shl-link').inputValue();
		viewerUrl = await pp.getByTestId('shl-viewer-url').inputValue();
		expect(viewerUrl).toBe(`${url}#${link}`);
		expect(await pp.getByTestId('shl-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
		expect(await pp.getByTestId('shl-not-served').count()).toBe(0);
		const payload = decodeShl(link);
		expect(payload.flag).toBe('U');
		expect(payload.v).toBe(1);
		expect(payload.label).toBe('Asthma history for Dr. Lee');
		expect(payload.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(payload.url.length).toBeLessThanOrEqual(128);
		expect(payload.url.startsWith(`${new URL(url).protocol}//`)).toBe(true);
		// The url is the site's gateway, serving the JWE itself to a plain GET (the IG adds ?recipient=).
		const served = await fetch(`${payload.url}&recipient=test`);
		expect(served.status).toBe(200);
		expect((await served.text()).split('.')).toHaveLength(5);

		const v = await viewer();
		const vp = v.page;
		await vp.goto(viewerUrl);
		await vp.getByTestId('shl-opened').waitFor({ timeout: 60_000 });
		// The key left the address bar at once.
		expect(vp.url()).toBe(`${url}#/shl`);
		expect(await vp.getByTestId('shl-label').innerText()).toBe('Asthma history for Dr. Lee');
		expect(await vp.getByTestId('shl-expiry').innerText()).toMatch(/^until /);
		const rows = vp.getByTestId('fhir-row');
		expect((await rows.allInnerTexts()).join('\n')).toMatch(/Childhood asthma[\s\S]*Spirometry report|Spirometry report[\s\S]*Childhood asthma/);
		expect(await vp.getByTestId('fhir-row-unreadable').count()).toBe(0);
		await rows.filter({ hasText: 'Spirometry report' }).locator('summary').first().click();
		const pdf = vp.locator('[data-testid="fhir-document-pdf"][data-status="done"]');
		await pdf.waitFor({ timeout: 60_000 });
		const centre = await pdf.locator('canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(c.width / 2, c.height / 2, 1, 1).data));
		expect(centre).toEqual([0, 0, 0, 255]);
		expect(await vp.locator('iframe, object, embed').count()).toBe(0);
		expect(await vp.evaluate(() => 'ethereum' in window)).toBe(false);

		// Pasted as the bare shlink:/ form on the viewer page, it opens too.
		await vp.goto(`${url}#/shl`);
		await vp.getByTestId('shl-input').fill(link);
		await vp.getByTestId('shl-open').click();
		await vp.getByTestId('shl-opened').waitFor({ timeout: 60_000 });
		expect(await vp.getByTestId('shl-input').inputValue()).toBe('');
		await v.close();
	});

	test('a link past its exp is refused with the date, before anything is fetched', async () => {
		const payload = decodeShl(link);
		const expired = encodeShl({ ...payload, exp: Math.floor(Date.now() / 1000) - 3600 });
		const v = await viewer();
		const fetched: string[] = [];
		v.page.on('request', (req) => {
			if (req.url().includes('/ipfs/')) fetched.push(req.url());
		});
		await v.page.goto(`${url}#${expired}`);
		expect(await waitForText(v.page.getByTestId('shl-refused-text'), 'expired on', 60_000)).toMatch(/^This SMART Health Link expired on .+\. Ask the person who shared it for a new one\.$/);
		expect(await v.page.getByTestId('shl-refused').getAttribute('data-reason')).toBe('ShlExpiredError');
		expect(await v.page.getByTestId('shl-records').count()).toBe(0);
		expect(fetched).toEqual([]);
		await v.close();
	});

	test('a tampered file is refused, nothing from it shown', async () => {
		const payload = decodeShl(link);
		const parts = (await (await fetch(payload.url)).text()).split('.');
		const ct = base64url.decode(parts[3]);
		ct[ct.length >> 1] ^= 0x01;
		parts[3] = base64url.encode(ct);
		const v = await viewer();
		// A hostile gateway: same origin, altered bytes.
		await v.context.route((u) => u.href.startsWith(payload.url.split('?')[0]), (route) => route.fulfill({ status: 200, contentType: 'application/vnd.ipld.raw', body: parts.join('.') }));
		await v.page.goto(viewerUrl);
		expect(await waitForText(v.page.getByTestId('shl-refused-text'), 'altered', 60_000)).toMatch(/was altered or does not match the link’s key/);
		expect(await v.page.getByTestId('shl-refused').getAttribute('data-reason')).toBe('ShlDecryptionFailedError');
		expect(await v.page.getByTestId('fhir-row').count()).toBe(0);
		await v.close();
	});

	test('the patient unpins the link: listed with its label and end; afterwards the gateway no longer serves the file, and the page says copies elsewhere may persist', async () => {
		const pp = patient.page;
		const payload = decodeShl(link);
		const row = pp.getByTestId('shl-list-row');
		await row.first().waitFor();
		expect(await row.count()).toBe(1);
		expect(await row.getByTestId('shl-list-label').innerText()).toBe('Asthma history for Dr. Lee');
		expect(await row.getByTestId('shl-list-exp').innerText()).toMatch(/^until /);
		expect(await row.getAttribute('data-status')).toBe('pinned');
		expect(await pp.getByTestId('shl-list').innerText()).toContain('copies made elsewhere');
		expect((await fetch(payload.url)).status).toBe(200);

		await row.getByTestId('shl-unpin').click();
		await pp.locator('[data-testid="shl-list-row"][data-status="unpinned"]').waitFor({ timeout: 60_000 });
		const notice = await waitForText(pp.getByTestId('shl-form').getByTestId('notice'), 'Unpinned', 60_000);
		expect(notice).toContain('Our IPFS peers (1) dropped it.');
		expect(notice).toContain('Copies made elsewhere');
		expect(await row.getByTestId('shl-unpin').count()).toBe(0);
		expect((await fetch(payload.url)).status).not.toBe(200);

		// A viewer now finds nothing to open.
		const v = await viewer();
		await v.page.goto(viewerUrl);
		expect(await v.page.getByTestId('shl-refused').getAttribute('data-reason', { timeout: 120_000 })).toBe('ShlUnavailableError');
		await v.close();

		// The list survives a reload (stored encrypted on this device).
		await pp.reload();
		await pp.getByTestId('unlock-button').click();
		await go(pp, '#/share');
		await pp.locator('[data-testid="shl-list-row"][data-status="unpinned"]').waitFor({ timeout: 60_000 });
	});
});
