/**
 * The start page's first load carries only what it shows: the wallet (viem),
 * the cryptography (libsodium, Umbral), IPFS (Helia, libp2p), the MetaMask SDK
 * and the PDF renderer load on the pages and actions that use them. Checked on
 * the scripts the browser actually fetched, by a marker string each of those
 * libraries keeps in its code, and by their gzip size (issue 13: < 150 kB).
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { newProfile, url } from './harness';

const HEAVY: Record<string, string> = {
	viem: 'viem@',
	libsodium: 'libsodium',
	Umbral: '__wbg_',
	'Helia/libp2p': 'libp2p',
	'MetaMask SDK': 'MetaMaskSDK',
	'the PDF renderer': 'pdfjs'
};

describe('first load', () => {
	test('the start page loads none of the heavy libraries, and under 150 kB of gzip script', async () => {
		const { page } = await newProfile();
		const scripts = new Map<string, Buffer>();
		const reading: Promise<void>[] = [];
		page.on('response', (res) => {
			if (res.request().resourceType() !== 'script' && !res.url().endsWith('.js')) return;
			reading.push(res.body().then((body) => void scripts.set(res.url(), body), () => undefined));
		});
		await page.goto(url, { waitUntil: 'networkidle' });
		await page.getByTestId('connect-wallet').waitFor({ timeout: 60_000 });
		await Promise.all(reading);
		expect(scripts.size).toBeGreaterThan(0);
		const loaded = Object.entries(HEAVY)
			.filter(([, marker]) => [...scripts.values()].some((body) => body.includes(marker)))
			.map(([name]) => name);
		expect(loaded).toEqual([]);
		const gzipKb = [...scripts.values()].reduce((n, body) => n + gzipSync(body).length, 0) / 1024;
		expect(gzipKb).toBeLessThan(150);
	});
});
