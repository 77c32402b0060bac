// uPlot and its stylesheet, loaded only when the first chart is drawn (see
// ObservationChart.svelte): the library never reaches the app's first page.
// uPlot sizes and places its elements through element.style (CSSOM), which the
// CSP's style-src-attr does not govern; it writes no style attribute or
// <style> element, and its CSS arrives as a stylesheet file from this site.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ObservationChart } from '$lib/records/observations';

/** One colour per series, in order; ObservationChart.svelte's legend swatches use the same ones. */
export const SERIES_COLOURS = ['#0b6e4f', '#1f5fa8', '#b54708', '#7a2e8e'] as const;

const HEIGHT = 240;
const DAY = 86_400;

export interface DrawnChart {
	destroy(): void;
}

/**
 * Draws `chart` into `host`: one line with points per series, and for series
 * with reference ranges their low and high limits as dashed lines with the
 * band between them shaded. The canvas is an image to assistive technology,
 * labelled with `label`; the values themselves are in the table beside it.
 */
export function drawObservationChart(host: HTMLElement, chart: ObservationChart, label: string): DrawnChart {
	const data: Array<Array<number | null>> = [chart.rows.map((r) => r.time / 1000)];
	const series: uPlot.Series[] = [{}];
	const bands: uPlot.Band[] = [];
	chart.series.forEach((s, i) => {
		const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
		data.push(chart.rows.map((r) => r.cells[i]?.value ?? null));
		series.push({ label: s.label, stroke: colour, width: 2, spanGaps: true, points: { show: true, size: 7, fill: colour, stroke: colour } });
	});
	chart.series.forEach((s, i) => {
		if (!s.hasRange) return;
		const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
		const limit = (side: 'low' | 'high') => chart.rows.map((r) => r.cells[i]?.[side] ?? null);
		const low = limit('low');
		const high = limit('high');
		const line = { stroke: `${colour}99`, width: 1, dash: [6, 4], spanGaps: true, points: { show: false } };
		const lowIndex = low.some((v) => v !== null) ? data.push(low) - 1 : -1;
		if (lowIndex > 0) series.push({ ...line, label: `${s.label} reference low` });
		const highIndex = high.some((v) => v !== null) ? data.push(high) - 1 : -1;
		if (highIndex > 0) series.push({ ...line, label: `${s.label} reference high` });
		if (lowIndex > 0 && highIndex > 0) bands.push({ series: [highIndex, lowIndex], fill: `${colour}1f` });
	});

	const width = () => Math.max(280, host.clientWidth);
	const plot = new uPlot(
		{
			width: width(),
			height: HEIGHT,
			series,
			bands,
			legend: { show: false },
			cursor: { drag: { x: false, y: false } },
			scales: {
				// One result, or several on one day: widen the axis so the point is not at an edge.
				x: { time: true, range: (_u, min, max) => (max - min < DAY ? [min - 30 * DAY, max + 30 * DAY] : [min, max]) }
			},
			axes: [{}, { label: chart.unit || undefined }]
		},
		data as uPlot.AlignedData,
		host
	);
	const canvas = plot.root.querySelector('canvas');
	canvas?.setAttribute('role', 'img');
	canvas?.setAttribute('aria-label', label);

	const resize = new ResizeObserver(() => {
		if (width() !== plot.width) plot.setSize({ width: width(), height: HEIGHT });
	});
	resize.observe(host);
	return {
		destroy() {
			resize.disconnect();
			plot.destroy();
		}
	};
}
