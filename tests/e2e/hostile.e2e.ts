/**
 * Hostile files cannot run script in the app's origin, wherever they are
 * opened: the patient's own record, a provider's proposal in the inbox, a
 * grantee's "Shared with me", and a share link. Each payload tries to set
 * `window.__pwned`, call alert() and log "PWNED"; none of that may happen in
 * any frame, nothing is put in an iframe/object/embed, markup is offered only
 * as a download with a warning, and a PDF with JavaScript actions is drawn
 * into a canvas without running them; a PDF that cannot be drawn is offered
 * as a download.
 * Fresh accounts (funded on anvil) so no other spec's vaults are touched.
 */
import { describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { freshAccount, connect, go, newProfile, waitForText, type Profile } from './harness';

const PAYLOAD = (n: number) => `window.__pwned=${n};alert(${n});console.log('PWNED')`;
const HTML = `<!doctype html><html><body><p>Invoice</p><script>${PAYLOAD(1)}</script><img src=x onerror="${PAYLOAD(2)}"></body></html>`;
const SVG = `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="${PAYLOAD(3)}"><script>${PAYLOAD(4)}</script></svg>`;
const XHTML = `<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><script>${PAYLOAD(5)}</script></body></html>`;
const DOCUMENT_REFERENCE = {
	resourceType: 'DocumentReference',
	id: 'doc-1',
	status: 'current',
	description: 'Blood test results',
	content: [{ attachment: { contentType: 'text/html', title: 'results.pdf', data: Buffer.from(HTML).toString('base64') } }]
};

/** A one-page PDF (a black square) whose open action, page action and link all run JavaScript. */
function pdfWithJavaScript(): Buffer {
	const js = `${PAYLOAD(6)};app.alert('PWNED')`;
	const content = '0 0 0 rg 50 50 200 200 re f\n';
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /JavaScript << /Names [(p) 4 0 R] >> >> >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 5 0 R /AA << /O 4 0 R >> /Annots [6 0 R] >>',
		`<< /Type /Action /S /JavaScript /JS (${js}) >>`,
		`<< /Length ${content.length} >>\nstream\n${content}endstream`,
		'<< /Type /Annot /Subtype /Link /Rect [50 50 250 250] /Border [0 0 0] /A 4 0 R >>'
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

// Names and declared types lie; the XHTML's name also hides bidi and zero-width characters.
const FILES = [
	{ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from(HTML) },
	{ name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from(SVG) },
	{ name: 'note\u2066\u200B.txt\u202E', mimeType: 'text/plain', buffer: Buffer.from(XHTML) },
	{ name: 'report.pdf', mimeType: 'application/pdf', buffer: pdfWithJavaScript() },
	{ name: 'results.json', mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(DOCUMENT_REFERENCE)) },
	{ name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\nthis is not a PDF body\n') }
];
/** What each markup file must be shown as: its cleaned name, the truth, and the name it is saved under. */
const HELD_BACK = [
	{ name: 'invoice.pdf', mismatch: 'actually HTML, download only', download: 'invoice.pdf.html' },
	{ name: 'photo.png', mismatch: 'actually SVG image, download only', download: 'photo.png.svg' },
	{ name: 'note.txt', mismatch: 'actually XHTML, download only', download: 'note.txt.xhtml' }
];
const TITLE = 'Hostile files';

interface Watched {
	profile: Profile;
	page: Page;
	/** Dialogs (alert/confirm/prompt) any page of the profile tried to open. */
	dialogs: string[];
	/** Console lines from any page or frame that mention PWNED. */
	pwnedLogs: string[];
}

/** Records every dialog and every "PWNED" console line in any page of the profile (dialogs dismissed). */
function watch(profile: Profile): Watched {
	const w: Watched = { profile, page: profile.page, dialogs: [], pwnedLogs: [] };
	const attach = (page: Page) => {
		page.on('dialog', (d) => {
			w.dialogs.push(d.message());
			void d.dismiss();
		});
		page.on('console', (m) => {
			if (m.text().includes('PWNED')) w.pwnedLogs.push(m.text());
		});
	};
	profile.context.pages().forEach(attach);
	profile.context.on('page', attach);
	return w;
}

/** Nothing ran: no global set in any frame, no dialog, no console line, no frame or plugin element, no popup. */
async function expectNothingRan(w: Watched) {
	const { page } = w;
	for (const frame of page.frames()) expect(await frame.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
	expect(page.frames()).toHaveLength(1);
	expect(await page.locator('iframe, frame, object, embed').count()).toBe(0);
	expect(w.profile.context.pages()).toHaveLength(1);
	expect(w.dialogs).toEqual([]);
	expect(w.pwnedLogs).toEqual([]);
}

/** The canvas has the PDF's black square in its middle (pdf.js drew the page). */
async function expectPdfDrawn(view: Locator, testid: string) {
	const pdf = view.getByTestId(`${testid}-pdf`);
	await view.locator(`[data-testid="${testid}-pdf"][data-status="done"]`).waitFor({ timeout: 60_000 });
	expect(await pdf.getAttribute('data-pages')).toBe('1');
	const canvas = pdf.locator('canvas');
	expect(await canvas.count()).toBe(1);
	const centre = await canvas.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(c.width / 2, c.height / 2, 1, 1).data));
	expect(centre).toEqual([0, 0, 0, 255]);
}

/** A PDF pdf.js cannot draw: said so, and still offered as a download. */
async function expectPdfFailureOffersDownload(view: Locator, testid: string) {
	await view.getByTestId(`${testid}-pdf-error`).waitFor({ timeout: 60_000 });
	expect(await view.getByTestId(`${testid}-pdf-error`).innerText()).toMatch(/could not be shown here/);
	expect(await view.getByTestId(`${testid}-download`).getAttribute('download')).toBe('broken.pdf');
	expect(await view.locator('canvas').count()).toBe(0);
}

/** Markup files: a warning, the real type beside the name, and a download under the real extension; nothing inline. */
async function expectHeldBack(section: (name: string) => Locator, testid: string) {
	for (const f of HELD_BACK) {
		const view = section(f.name);
		await view.getByTestId(`${testid}-download`).waitFor({ timeout: 60_000 });
		expect(await view.getByTestId(`${testid}-warning`).innerText()).toMatch(/does not show it/);
		expect(await view.getByTestId(`${testid}-mismatch`).innerText()).toBe(`${f.name} — ${f.mismatch}`);
		expect(await view.getByTestId(`${testid}-download`).getAttribute('download')).toBe(f.download);
		expect(await view.getByTestId(`${testid}-download`).getAttribute('href')).toMatch(/^blob:/);
		expect(await view.locator(`[data-testid="${testid}-text"], [data-testid="${testid}-image"], img, canvas`).count()).toBe(0);
	}
}

/** The DocumentReference inside a FHIR view: its text/html "results.pdf" is download-only. */
async function expectDocumentHeldBack(scope: Locator) {
	const row = scope.getByTestId('fhir-row').first();
	await row.locator('summary').first().click();
	const doc = row.getByTestId('fhir-document-view');
	expect(await doc.getAttribute('data-detected')).toBe('html');
	expect(await doc.getByTestId('fhir-document-mismatch').innerText()).toBe('results.pdf — actually HTML, download only');
	expect(await doc.getByTestId('fhir-document-warning').innerText()).toMatch(/does not show it/);
	expect(await doc.getByTestId('fhir-document-download').getAttribute('download')).toBe('results.pdf.html');
}

/** Checks all five files in a list of AttachmentViews with test id `testid`. */
async function expectAttachmentsSafe(w: Watched, testid: string) {
	const section = (name: string) => w.page.locator(`[data-testid="${testid}"][data-name="${name}"]`);
	await expectPdfDrawn(section('report.pdf'), testid);
	expect(await section('report.pdf').getByTestId(`${testid}-mismatch`).count()).toBe(0);
	await expectHeldBack(section, testid);
	await expectPdfFailureOffersDownload(section('broken.pdf'), testid);
	await expectDocumentHeldBack(section('results.json'));
	// The spoofed name is shown cleaned.
	expect(await section('note.txt').getByTestId(`${testid}-name`).innerText()).toMatch(/^note\.txt \(/);
	await expectNothingRan(w);
}

describe('hostile attachments', () => {
	test('markup named as PDF/PNG/text, a PDF with JavaScript and a DocumentReference claiming text/html run nothing: own records, inbox, Shared with me, share link', async () => {
		const providerAccount = await freshAccount();
		const patientAccount = await freshAccount();

		// The provider: a vault (its keys) and a registration.
		const provider = watch(await newProfile());
		await provider.profile.wallet({ privateKey: providerAccount.privateKey });
		const dp = provider.page;
		await connect(dp);
		await go(dp, '#/provider');
		await dp.getByTestId('create-vault-button').click();
		await dp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await dp.getByTestId('provider-name-input').fill('Dr. Mallory');
		await dp.getByTestId('provider-register').click();
		await waitForText(dp.getByTestId('provider-current-name'), 'Dr. Mallory', 60_000);

		// The patient: a vault, and the five files added as one record (say, saved from an email).
		const patient = watch(await newProfile());
		await patient.profile.wallet({ privateKey: patientAccount.privateKey });
		const pp = patient.page;
		await connect(pp);
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('no-records').waitFor();
		await go(pp, '#/add');
		await pp.getByTestId('file-input').setInputFiles(FILES);
		await pp.getByTestId('title-input').fill(TITLE);
		await pp.getByTestId('category-select').selectOption('documents');
		await pp.getByTestId('add-submit').click();
		await pp.getByTestId('record-link').filter({ hasText: TITLE }).waitFor({ timeout: 120_000 });

		// (a) The patient opens them as their own record.
		await pp.getByTestId('record-link').filter({ hasText: TITLE }).click();
		await expectAttachmentsSafe(patient, 'attachment');
		// Saving the HTML gives a download under its real extension, not a page.
		const htmlView = pp.locator('[data-testid="attachment"][data-name="invoice.pdf"]');
		const [download] = await Promise.all([pp.waitForEvent('download'), htmlView.getByTestId('attachment-download').click()]);
		expect(download.suggestedFilename()).toBe('invoice.pdf.html');
		await expectNothingRan(patient);

		// (b) The provider proposes the same files; the patient opens the proposal in the inbox.
		await dp.getByTestId('patient-input').fill(patientAccount.address);
		await dp.getByTestId('proposal-file-input').setInputFiles(FILES);
		await dp.getByTestId('proposal-title-input').fill(TITLE);
		await dp.getByTestId('propose-submit').click();
		await waitForText(dp.getByTestId('notice'), 'sent', 120_000);
		await go(pp, '#/inbox');
		await pp.getByTestId('inbox-open').filter({ hasText: TITLE }).click({ timeout: 60_000 });
		const proposal = (name: string) => pp.getByTestId('proposal-attachment').filter({ has: pp.getByTestId('proposal-attachment-name').filter({ hasText: name }) });
		await expectPdfDrawn(proposal('report.pdf'), 'proposal-attachment');
		await expectHeldBack(proposal, 'proposal-attachment');
		await expectPdfFailureOffersDownload(proposal('broken.pdf'), 'proposal-attachment');
		// A proposal shows FHIR as its JSON text: the embedded HTML stays a base64 string.
		expect(await waitForText(proposal('results.json').getByTestId('proposal-attachment-text'), '"resourceType": "DocumentReference"')).toContain('"contentType": "text/html"');
		await expectNothingRan(patient);

		// (c) The patient shares documents with the provider, who opens them in "Shared with me".
		await go(pp, '#/share');
		await pp.getByTestId('grantee-advanced-summary').click();
		await pp.getByTestId('grantee-input').fill(providerAccount.address);
		await waitForText(pp.getByTestId('grantee-name'), 'Dr. Mallory');
		await pp.getByTestId('grant-category-documents').check();
		await pp.getByTestId('grant-submit').click();
		await waitForText(pp.getByTestId('notice'), 'Shared with', 120_000);
		await go(dp, '#/shared');
		await dp.getByTestId('shared-refresh').click();
		await dp.getByTestId('shared-record-open').filter({ hasText: TITLE }).click({ timeout: 60_000 });
		await expectAttachmentsSafe(provider, 'shared-attachment');

		// (d) A doctor without a wallet opens a share link to the same records.
		await pp.getByTestId('link-category-documents').check();
		await pp.getByTestId('link-submit').click();
		await pp.getByTestId('share-link-url').waitFor({ timeout: 120_000 });
		const link = await pp.getByTestId('share-link-url').inputValue();
		await pp.getByTestId('share-link-done').click();
		const viewer = watch(await newProfile());
		await viewer.page.goto(link);
		await viewer.page.getByTestId('shared-record-open').filter({ hasText: TITLE }).click({ timeout: 60_000 });
		await expectAttachmentsSafe(viewer, 'shared-attachment');

		await viewer.profile.close();
		await patient.profile.close();
		await provider.profile.close();
	});
});
