/**
 * Providers that cannot be impersonated: a stranger registers under a real
 * lab's name and proposes to a patient. The patient sees the name as
 * self-declared and unverified (the signature only proves the account), until
 * the site's demo attester attests the account through the Ethereum
 * Attestation Service; then the attested name shows as verified. A blocked
 * sender's proposals disappear, also after a reload.
 * Fresh accounts (funded through anvil) so no other spec's vaults interfere.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Hex } from 'viem';
import { attestProvider, DEMO_ATTESTER_PRIVATE_KEY } from '../../scripts/attest.mjs';
import { freshAccount, config, connect, go, newProfile, rpcUrl, waitForGone, waitForText } from './harness';

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

async function registerAndPropose(page: Page, p: { name: string; role: string; patient: Hex; title: string }) {
	await go(page, '#/provider');
	await page.getByTestId('provider-unregistered').waitFor();
	await page.getByTestId('provider-name-input').fill(p.name);
	await page.getByTestId('provider-role-select').selectOption(p.role);
	await page.getByTestId('provider-register').click();
	await waitForText(page.getByTestId('provider-current-name'), p.name);
	await page.getByTestId('patient-input').fill(p.patient);
	await page.getByTestId('proposal-file-input').setInputFiles({ name: 'result.txt', mimeType: 'text/plain', buffer: Buffer.from(`${p.title}\n`) });
	await page.getByTestId('proposal-title-input').fill(p.title);
	await page.getByTestId('propose-submit').click();
	await waitForText(page.getByTestId('notice'), 'sent', 60_000);
}

const itemOf = (page: Page, title: string) => page.getByTestId('inbox-item').filter({ hasText: title });

describe('verified providers', () => {
	test('a stranger using a lab’s name is unverified until attested; a blocked sender stays hidden', async () => {
		const [stranger, spammer, patient] = await Promise.all([freshAccount(), freshAccount(), freshAccount()]);
		const pa = await personWithVault(patient.privateKey);
		const ps = await personWithVault(stranger.privateKey);
		await registerAndPropose(ps, { name: 'City Hospital Lab', role: 'lab', patient: patient.address, title: 'Lipid panel results' });
		const px = await personWithVault(spammer.privateKey);
		await registerAndPropose(px, { name: 'Totally Real Clinic', role: 'physician', patient: patient.address, title: 'Miracle cure offer' });

		// The patient's inbox: the lab's name is only what the stranger typed.
		await go(pa, '#/inbox');
		const lab = itemOf(pa, 'Lipid panel results');
		await lab.waitFor({ timeout: 60_000 });
		const identity = lab.locator('[data-testid="provider-identity"][data-status="unverified"]');
		await identity.waitFor();
		expect(await identity.innerText()).toContain('Unverified — self-declared name:');
		expect(await lab.getByTestId('provider-declared-name').innerText()).toBe('City Hospital Lab');
		expect(await lab.getByTestId('provider-verified-name').count()).toBe(0);
		// The signature badge says what it proves: which account signed, not who that is.
		const short = `${stranger.address.slice(0, 6)}…${stranger.address.slice(-4)}`;
		expect(await lab.getByTestId('signed-by').innerText()).toBe(`✓ signed by ${short}`);
		expect(await pa.getByText('verified: this comes from the registered provider').count()).toBe(0);

		// Detail view says the same.
		await lab.getByTestId('inbox-open').click();
		await pa.getByTestId('proposal-provider-name').locator('[data-status="unverified"]').waitFor();
		expect(await pa.getByTestId('proposal-provider-name').getByTestId('provider-declared-name').innerText()).toBe('City Hospital Lab');
		expect(await pa.getByTestId('proposal-verified').innerText()).toContain(`signed by ${short}`);
		await pa.getByTestId('proposal-back').click();

		// The site's demo attester vouches for the account (as `npm run attest` does).
		await attestProvider({
			rpcUrl,
			privateKey: DEMO_ATTESTER_PRIVATE_KEY,
			eas: config.contracts.eas!,
			schemaUid: config.providerSchemaUid!,
			provider: stranger.address,
			name: 'City Hospital Lab',
			role: 'lab',
			licence: 'NPI 1234567890'
		});
		await pa.getByTestId('inbox-refresh').click();
		// The badge is re-rendered (checking, then the result): wait on a locator, not on one element.
		const verified = itemOf(pa, 'Lipid panel results').locator('[data-testid="provider-identity"][data-status="verified"]');
		await verified.waitFor({ timeout: 60_000 }).catch(async (err: unknown) => {
			// Say what the badge showed instead (e.g. a lookup that failed, with its reason).
			const shown = await itemOf(pa, 'Lipid panel results').getByTestId('provider-identity').innerText().catch(() => '(no badge)');
			throw new Error(`the lab never showed as verified; its badge said: ${shown}`, { cause: err });
		});
		const text = await verified.innerText();
		expect(text).toContain('Verified:');
		expect(await itemOf(pa, 'Lipid panel results').getByTestId('provider-verified-name').innerText()).toBe('City Hospital Lab');
		const attester = config.trustedAttesters[0];
		expect(text).toContain(`(lab, NPI 1234567890), attested by ${attester.slice(0, 6)}…${attester.slice(-4)}`);
		// The other sender is still unverified.
		expect(await itemOf(pa, 'Miracle cure offer').getByTestId('provider-identity').getAttribute('data-status')).toBe('unverified');

		// Block the other sender: their proposal disappears.
		await itemOf(pa, 'Miracle cure offer').getByTestId('inbox-open').click();
		await pa.getByTestId('proposal-block').click();
		await waitForGone(itemOf(pa, 'Miracle cure offer'), 60_000);
		await itemOf(pa, 'Lipid panel results').waitFor();

		// …and stays hidden after a reload (the setting is stored, encrypted, on this device).
		await pa.reload();
		// The page reopens on the inbox, which asks to unlock first.
		await pa.getByTestId('unlock-button').click();
		await itemOf(pa, 'Lipid panel results').waitFor({ timeout: 60_000 });
		expect(await pa.getByTestId('inbox-item').count()).toBe(1);
		expect(await itemOf(pa, 'Miracle cure offer').count()).toBe(0);

		// The settings page lists the blocked sender; unblocking brings the proposal back.
		await go(pa, '#/trust');
		const blocked = pa.getByTestId('trust-blocked-item');
		await blocked.waitFor();
		expect(await blocked.getAttribute('data-address')).toBe(spammer.address);
		// Not in clear on the device: IndexedDB holds no trace of the blocked address or name.
		const stored = await pa.evaluate(async () => {
			const dbs = await indexedDB.databases();
			const out: string[] = [];
			for (const { name } of dbs) {
				if (!name) continue;
				const db = await new Promise<IDBDatabase>((ok, fail) => {
					const r = indexedDB.open(name);
					r.onsuccess = () => ok(r.result);
					r.onerror = () => fail(r.error);
				});
				for (const store of Array.from(db.objectStoreNames)) {
					const values = await new Promise<unknown[]>((ok, fail) => {
						const r = db.transaction(store).objectStore(store).getAll();
						r.onsuccess = () => ok(r.result);
						r.onerror = () => fail(r.error);
					});
					for (const v of values) out.push(v instanceof Uint8Array ? new TextDecoder().decode(v) : JSON.stringify(v) ?? '');
				}
				db.close();
			}
			return out.join('\n');
		});
		expect(stored.toLowerCase()).not.toContain(spammer.address.slice(2).toLowerCase());
		expect(stored).not.toContain('Totally Real Clinic');
		await blocked.getByTestId('trust-unblock').click();
		await pa.getByTestId('trust-blocked-empty').waitFor();
		await go(pa, '#/inbox');
		await itemOf(pa, 'Miracle cure offer').waitFor({ timeout: 60_000 });
	});
});
