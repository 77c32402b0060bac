/**
 * Bad input from other people in the inbox: a registered provider sends one
 * normal proposal and one whose sealed pointer names a CID no peer has
 * (crafted with viem, as a hostile or broken client would). The inbox lists
 * both from chain events, shows the normal one fully and the broken one with
 * a clear message and Retry: never a blank page, never a stuck list.
 * Fresh funded accounts, so the spec shares the stack with the others.
 */
import { describe, expect, test } from 'vitest';
import { createPublicClient, createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { freshAccount, config, connect, go, newProfile, rpcUrl, waitForText } from './harness';
import { chainFromConfig } from '../../src/lib/chain/config';
import { createVaultChain } from '../../src/lib/chain/vaultChain';
import { createProviderChain } from '../../src/lib/chain/providerChain';
import { sealTo } from '../../src/lib/crypto/seal';
import { toBase64, utf8 } from '../../src/lib/crypto/encoding';

const NOTE = 'Lipid panel: LDL 2.1 mmol/L.\n';

describe('hostile input in the inbox', () => {
	test('a proposal whose payload no peer has is shown with a clear message and Retry; the normal one next to it opens fully', async () => {
		const providerAccount = await freshAccount();
		const patientAccount = await freshAccount();

		// The patient: a vault, so its inbox key is published.
		const patient = await newProfile();
		await patient.wallet({ privateKey: patientAccount.privateKey });
		const pa = patient.page;
		await connect(pa);
		await pa.getByTestId('create-vault-button').click();
		await pa.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pa.getByTestId('no-records').waitFor();

		// The provider registers and sends one normal proposal through the app.
		const provider = await newProfile();
		await provider.wallet({ privateKey: providerAccount.privateKey });
		const pp = provider.page;
		await connect(pp);
		await go(pp, '#/provider');
		await pp.getByTestId('create-vault-button').click();
		await pp.getByTestId('recovery-code-done').click({ timeout: 60_000 });
		await pp.getByTestId('provider-name-input').fill('Dr. Rosalind Franklin');
		await pp.getByTestId('provider-role-select').selectOption('physician');
		await pp.getByTestId('provider-register').click();
		await waitForText(pp.getByTestId('provider-current-name'), 'Dr. Rosalind Franklin');
		await pp.getByTestId('patient-input').fill(patientAccount.address);
		await pp.getByTestId('proposal-file-input').setInputFiles({ name: 'lipids.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTE) });
		await pp.getByTestId('proposal-title-input').fill('Lipid panel');
		await pp.getByTestId('propose-submit').click();
		await waitForText(pp.getByTestId('notice'), 'sent', 60_000);
		await provider.close();

		// Then, from the same registered account, a proposal crafted by hand: correctly sealed to the
		// patient's inbox key, but naming a CID whose blocks exist nowhere.
		const chain = chainFromConfig(config);
		const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
		const account = privateKeyToAccount(providerAccount.privateKey);
		const walletClient = createWalletClient({ chain, account, transport: http(rpcUrl) });
		const patientKeys = await createVaultChain({ publicClient, addresses: config.contracts }).readKeys(patientAccount.address);
		expect(patientKeys).not.toBeNull();
		const missing = CID.create(1, raw.code, await sha256.digest(crypto.getRandomValues(new Uint8Array(64)))).toString();
		const pointer = { cid: missing, key: toBase64(crypto.getRandomValues(new Uint8Array(32))) };
		const sealedPayload = await sealTo(patientKeys!.inbox, utf8(JSON.stringify(pointer)));
		const { id: brokenId } = await createProviderChain({ publicClient, walletClient, account, addresses: config.contracts, chainId: chain.id }).propose({
			patient: patientAccount.address,
			sealedPayload
		});

		// The inbox lists both at once from chain events; the normal one opens and verifies while the broken one is still being looked for.
		await go(pa, '#/inbox');
		const items = pa.getByTestId('inbox-item');
		await items.nth(1).waitFor({ timeout: 60_000 });
		const broken = pa.locator(`[data-testid="inbox-item"][data-id="${brokenId}"]`);
		const normal = items.filter({ hasText: 'Lipid panel' });
		await normal.getByTestId('inbox-item-verified').waitFor({ timeout: 60_000 });
		expect(await normal.getByTestId('inbox-item-title').innerText()).toBe('Lipid panel');

		// The broken one: a clear message on that item only, with Retry (the fetch gives up after its time limit).
		const unavailable = broken.getByTestId('inbox-item-unavailable');
		const unavailableText = await waitForText(unavailable, "couldn't be fetched from IPFS", 90_000);
		expect(unavailableText).toContain("the sender's node may be offline");
		// It names where it looked: the site's IPFS peer and its trustless gateway.
		expect(unavailableText).toContain(`the IPFS peer ${config.ipfsPeers[0]} (connected, but it did not send the data)`);
		expect(unavailableText).toContain(`the gateway ${config.gateways[0]} (does not have it)`);
		expect(await unavailable.getAttribute('data-error')).toBe('PayloadUnavailableError');
		expect(await broken.getByTestId('inbox-item-title').innerText()).toBe('Proposal not available');
		// The sender has no attestation: its self-declared name is shown, marked as such.
		const sender = await broken.getByTestId('inbox-item-provider').innerText();
		expect(sender).toContain('Dr. Rosalind Franklin');
		expect(sender).toContain('Unverified');
		expect(await broken.getByTestId('inbox-item-retry').isVisible()).toBe(true);
		expect(await normal.getByTestId('inbox-item-unavailable').count()).toBe(0);

		// Opening the normal one still works fully: its file previews.
		await normal.getByTestId('inbox-open').click();
		await pa.getByTestId('proposal-verified').waitFor();
		expect(await waitForText(pa.getByTestId('proposal-attachment-text'), 'LDL')).toBe(NOTE.trim());
		await pa.getByTestId('proposal-back').click();

		// Opening the broken one shows the same message with Retry, and accepting is impossible; Retry tries again.
		await broken.getByTestId('inbox-open').click();
		const detail = pa.getByTestId('proposal-detail');
		await detail.getByTestId('proposal-unavailable').waitFor({ timeout: 90_000 });
		expect(await detail.getByTestId('proposal-unavailable').innerText()).toContain("couldn't be fetched from IPFS");
		expect(await detail.getByTestId('proposal-accept').isDisabled()).toBe(true);
		await detail.getByTestId('proposal-retry').click();
		await detail.getByTestId('proposal-loading').waitFor();
		await detail.getByTestId('proposal-unavailable').waitFor({ timeout: 90_000 });
		// Rejecting needs no content.
		await detail.getByTestId('proposal-reject').click();
		await pa.locator('[data-testid="proposal-detail"] [data-testid="proposal-status"][data-status="rejected"]').waitFor({ timeout: 60_000 });
		await patient.close();
	});
});
