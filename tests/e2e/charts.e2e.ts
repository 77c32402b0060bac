/**
 * Results over time: the Observation fixture imported as a Bundle through the
 * Import page, then one chart per code (a canvas labelled for screen readers)
 * with its values in a real table; uPlot and its stylesheet arrive only when
 * the charts page opens, and nothing breaks the Content-Security-Policy (the
 * harness fails a test on any violation).
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FhirResource } from '../../src/lib/types';
import { chartSummary, dayOf, observationCharts, rangeText } from '../../src/lib/records/observations';
import { freshAccount, newProfile, url, waitForText } from './harness';

const FIXTURE = fileURLToPath(new URL('../fixtures/observations/bundle.json', import.meta.url));
const SOURCE = 'import: bundle.json';

describe('results over time', () => {
	test('the imported Observation bundle is drawn as one chart per code, each with a table of its values', async () => {
		const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: Array<{ resource: FhirResource }> };
		const expected = observationCharts(bundle.entry.map((e) => ({ resource: e.resource, source: SOURCE })));
		expect(expected.charts).toHaveLength(11);

		const profile = await newProfile();
		await profile.wallet({ privateKey: (await freshAccount()).privateKey });
		const { page } = profile;
		const stylesheets: string[] = [];
		page.on('response', (res) => {
			if (res.request().resourceType() === 'stylesheet') stylesheets.push(res.url());
		});
		await page.goto(url);
		await page.getByTestId('connect-wallet').click();
		await page.getByTestId('create-vault-button').click();
		await page.getByTestId('recovery-code-done').click();

		await page.getByTestId('nav-import').click();
		await page.getByTestId('import-files').setInputFiles(FIXTURE);
		await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
		await page.getByTestId('import-submit').click();
		await page.getByTestId('timeline-count').waitFor({ timeout: 120_000 });
		// The chart library's stylesheet (and the code it comes with) is not part of any page so far.
		expect(stylesheets.filter((s) => s.includes('observationPlot'))).toEqual([]);

		await page.getByTestId('nav-charts').click();
		const figures = page.getByTestId('observation-chart');
		await figures.nth(expected.charts.length - 1).waitFor({ timeout: 60_000 });
		expect(await figures.count()).toBe(expected.charts.length);
		expect(await page.locator('h1').allInnerTexts()).toEqual(['Results over time']);
		expect(await page.title()).toBe('Results over time · Carevault');

		for (const [i, chart] of expected.charts.entries()) {
			const figure = figures.nth(i);
			expect(await figure.getAttribute('data-code')).toBe(chart.code.code);
			expect(await figure.locator('h3').innerText()).toBe(chart.title);
			// One canvas per chart, an image to assistive technology, labelled with the chart's summary.
			const canvas = figure.locator('canvas');
			await canvas.waitFor({ timeout: 30_000 });
			expect(await canvas.count()).toBe(1);
			expect(await canvas.getAttribute('role')).toBe('img');
			expect(await canvas.getAttribute('aria-label')).toBe(chartSummary(chart));
			expect(await canvas.evaluate((c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(0);

			const table = figure.getByTestId('observation-table');
			expect(await table.locator('caption').innerText()).toContain(chart.title);
			const headers = await table.locator('thead th').allInnerTexts();
			expect(headers[0]).toBe('Date');
			const rows = table.getByTestId('observation-row');
			expect(await rows.count()).toBe(chart.rows.length);
			for (const [r, row] of chart.rows.entries()) {
				const cells = (await rows.nth(r).locator('th, td').allInnerTexts()).map((t) => t.trim());
				const want = [dayOf(row.date)];
				for (const [s, series] of chart.series.entries()) {
					const cell = row.cells[s];
					want.push(cell ? `${cell.text}${cell.flag ? ` ${cell.flag === 'high' ? 'above' : 'below'} range` : ''}` : '—');
					if (series.hasRange) want.push(rangeText(cell));
				}
				want.push(SOURCE);
				expect(cells).toEqual(want);
			}
		}

		// Spot checks against the fixture's own tables (tests/fixtures/observations/make.mjs).
		const bp = page.locator('[data-code="85354-9"]');
		expect(await bp.locator('thead th').allInnerTexts()).toEqual(['Date', 'Systolic blood pressure', 'Diastolic blood pressure', 'Source']);
		expect((await bp.getByTestId('observation-row').first().locator('th, td').allInnerTexts()).slice(0, 3)).toEqual(['2019-03-14', '142 mmHg', '91 mmHg']);
		const weight = page.locator('[data-code="29463-7"]');
		const weights = await weight.getByTestId('observation-row').locator('td:nth-of-type(1)').allInnerTexts();
		expect(weights).toEqual(['84.2 kg', '85 kg', '86.1 kg', '83.4 kg', '81.7 kg', '80.2 kg', '79.5 kg']);
		const a1c = page.locator('[data-code="4548-4"]');
		expect(await a1c.getByTestId('observation-row').first().innerText()).toMatch(/6\.1 % above range\s+4 to 5\.6/);

		// The weight entered in error is left out, and the page says so.
		const skipped = page.getByTestId('charts-skipped');
		await waitForText(skipped, '1 result is not charted');
		await skipped.locator('summary').click();
		expect(await skipped.locator('li').allInnerTexts()).toEqual(['Body weight (weight-2022-typo): marked as entered in error, so it is not shown.']);

		// uPlot's stylesheet came as a file from this site and applies (no inline <style>, no style attribute).
		expect(stylesheets.filter((s) => s.includes('observationPlot'))).toHaveLength(1);
		expect(await page.locator('.u-over').first().evaluate((el) => getComputedStyle(el).position)).toBe('absolute');
		await profile.close();
	});
});
