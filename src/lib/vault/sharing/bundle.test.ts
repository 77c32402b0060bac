/**
 * The pure parts of sharing on real libsodium and Umbral: bundle build and
 * verification, capsule fragment tampering, wrong recipient key, epochs, the
 * sealed pointer envelope and share-link encoding.
 */
import { describe, expect, it } from 'vitest';
import { deriveVaultKeys, LINK_SALT_BYTES, publicKeysOf, wipe, type VaultKeys } from '../../crypto/keys';
import { generateDataKey } from '../../crypto/recordCipher';
import { openReencrypted, sealDataKey, verifyCapsuleFrag } from '../../crypto/pre';
import { fromBase64, toBase64 } from '../../crypto/encoding';
import { getUmbral } from '../../crypto/sodium';
import { emptyIndex, type Category, type VaultRecord } from '../../records/model';
import type { OpenVault } from '../deps';
import type { Hex } from '../ports';
import { randomBytes } from '../random';
import { buildBundle, openGranteePointer, openPatientPointer, recordsInScope, sealGrantPointer, verifyBundle, type GrantBundle } from './bundle';
import { CfragVerificationError, LinkInvalidError, ShareUnavailableError } from './errors';
import { decodeLinkPayload, encodeLinkPayload, linkAddress, linkKeysFor, shareLinkUrl, throwawayFromSecrets } from './link';

const PATIENT = '0x1111111111111111111111111111111111111111' as Hex;
const DOCTOR = '0x2222222222222222222222222222222222222222' as Hex;

async function keysFor(): Promise<VaultKeys> {
	return deriveVaultKeys(randomBytes(32));
}

/** A record whose single attachment's data key is really sealed to (category, epoch); returns the key to compare. */
async function record(keys: VaultKeys, id: string, category: Category, epoch = 0): Promise<{ record: VaultRecord; dek: Uint8Array }> {
	const dek = await generateDataKey();
	const sealed = await sealDataKey(keys.umbralKey(category, epoch).publicKey, dek);
	return {
		dek,
		record: {
			id,
			title: `${category} ${id}`,
			category,
			date: '2024-05-02',
			addedAt: '2024-05-02T10:00:00.000Z',
			kind: 'file',
			attachments: [
				{
					id: `att-${id}`,
					name: `${id}.txt`,
					type: 'text/plain',
					manifest: {
						v: 1,
						alg: 'secretstream-xchacha20poly1305',
						chunk: 1024 * 1024,
						id: `att-${id}`,
						size: 10,
						cid: `bafkfake${id}`,
						capsule: toBase64(sealed.capsule),
						sealedKey: toBase64(sealed.ciphertext),
						epoch
					}
				}
			]
		}
	};
}

async function fixture() {
	const patient = await keysFor();
	const doctor = await keysFor();
	const made = [
		await record(patient, 'm1', 'medications'),
		await record(patient, 'm2', 'medications', 1),
		await record(patient, 'n1', 'notes'),
		await record(patient, 'l1', 'labs'),
		await record(patient, 'i1', 'imaging')
	];
	const vault: OpenVault = {
		address: PATIENT,
		keys: patient,
		headerCid: 'bafkheader',
		index: { ...emptyIndex(), records: made.map((m) => m.record), epochs: { medications: 1 } }
	};
	const deks = new Map(made.map((m) => [m.record.id, m.dek]));
	const doctorKeys = publicKeysOf(doctor);
	return { patient, doctor, vault, deks, receiver: { inbox: doctorKeys.inbox, umbral: doctorKeys.umbral } };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('grant bundle', () => {
	it('round trip: the grantee verifies every cfrag and opens each data key; scope holds', async () => {
		const { doctor, vault, deks, receiver } = await fixture();
		const bundle = await buildBundle(vault, { grantee: DOCTOR, scope: { categories: ['medications'] }, receiver, createdAt: '2024-06-01T00:00:00.000Z' });
		expect(bundle.records.map((r) => r.id).sort()).toEqual(['m1', 'm2']);
		expect(bundle.records.every((r) => r.category === 'medications')).toBe(true);
		// Both epochs of medications are covered (records sealed before and after a rotation).
		expect(bundle.keys.map((k) => `${k.category}:${k.epoch}`).sort()).toEqual(['medications:0', 'medications:1']);
		// Only public keys and cfrags travel: no delegating secret key.
		expect(Object.keys(bundle).sort()).toEqual(['createdAt', 'grantee', 'keys', 'patient', 'receiver', 'records', 'salt', 'scope', 'v', 'verifyingPk']);
		for (const epoch of [0, 1]) expect(JSON.stringify(bundle)).not.toContain(toBase64(vault.keys.umbralKey('medications', epoch).secretKey.toBEBytes()));

		const opened = await verifyBundle(clone(bundle), doctor.umbralIdentity.secretKey);
		const umbral = await getUmbral();
		for (const r of opened.records) {
			const a = r.attachments[0];
			const key = opened.keys.find((k) => k.category === r.category && k.epoch === a.epoch)!;
			const dek = await openReencrypted({
				receivingSk: doctor.umbralIdentity.secretKey,
				delegatingPk: umbral.PublicKey.fromCompressedBytes(fromBase64(key.delegatingPk)),
				verifyingPk: umbral.PublicKey.fromCompressedBytes(fromBase64(opened.verifyingPk)),
				capsule: fromBase64(a.capsule),
				cfrag: fromBase64(a.cfrag),
				ciphertext: fromBase64(a.sealedKey)
			});
			expect(dek).toEqual(deks.get(r.id));
		}
	});

	it('a record-list scope covers exactly the chosen records', async () => {
		const { vault, receiver } = await fixture();
		const bundle = await buildBundle(vault, { grantee: DOCTOR, scope: { recordIds: ['n1', 'i1', 'nope'] }, receiver, createdAt: 'x' });
		expect(bundle.records.map((r) => r.id).sort()).toEqual(['i1', 'n1']);
		expect(recordsInScope(vault.index.records, { categories: ['labs'] }).map((r) => r.id)).toEqual(['l1']);
	});

	it('a tampered cfrag is refused with CfragVerificationError', async () => {
		const { doctor, vault, receiver } = await fixture();
		const bundle = await buildBundle(vault, { grantee: DOCTOR, scope: { categories: ['medications'] }, receiver, createdAt: 'x' });
		const tampered = clone(bundle);
		const cfrag = fromBase64(tampered.records[1].attachments[0].cfrag);
		cfrag[cfrag.length - 5] ^= 1;
		tampered.records[1].attachments[0].cfrag = toBase64(cfrag);
		const err = await verifyBundle(tampered, doctor.umbralIdentity.secretKey).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(CfragVerificationError);
		expect((err as CfragVerificationError).recordId).toBe(tampered.records[1].id);

		// A cfrag moved from another record (valid, but for another capsule) is refused too.
		const swapped = clone(bundle);
		swapped.records[0].attachments[0].cfrag = bundle.records[1].attachments[0].cfrag;
		await expect(verifyBundle(swapped, doctor.umbralIdentity.secretKey)).rejects.toBeInstanceOf(CfragVerificationError);

		// A delegating key swapped for another category's is refused.
		const rekeyed = clone(bundle);
		rekeyed.keys[0].delegatingPk = toBase64(vault.keys.umbralKey('notes', 0).publicKey.toCompressedBytes());
		await expect(verifyBundle(rekeyed, doctor.umbralIdentity.secretKey)).rejects.toBeInstanceOf(CfragVerificationError);
	});

	it('the wrong grantee key fails verification and decryption', async () => {
		const { vault, receiver, patient } = await fixture();
		const stranger = await keysFor();
		const bundle = await buildBundle(vault, { grantee: DOCTOR, scope: { categories: ['notes'] }, receiver, createdAt: 'x' });
		await expect(verifyBundle(clone(bundle), stranger.umbralIdentity.secretKey)).rejects.toBeInstanceOf(CfragVerificationError);
		const umbral = await getUmbral();
		const a = bundle.records[0].attachments[0];
		const params = {
			capsule: fromBase64(a.capsule),
			cfrag: fromBase64(a.cfrag),
			verifyingPk: umbral.PublicKey.fromCompressedBytes(fromBase64(bundle.verifyingPk)),
			delegatingPk: patient.umbralKey('notes', 0).publicKey
		};
		expect(await verifyCapsuleFrag({ ...params, receivingPk: stranger.umbralIdentity.publicKey })).toBe(false);
		expect(await verifyCapsuleFrag({ ...params, receivingPk: umbral.PublicKey.fromCompressedBytes(receiver.umbral) })).toBe(true);
	});

	it('a malformed bundle is ShareUnavailableError, not a crash', async () => {
		const { doctor } = await fixture();
		await expect(verifyBundle({ v: 2 }, doctor.umbralIdentity.secretKey)).rejects.toBeInstanceOf(ShareUnavailableError);
		await expect(verifyBundle(null, doctor.umbralIdentity.secretKey)).rejects.toBeInstanceOf(ShareUnavailableError);
		const bad = { v: 1, patient: PATIENT, grantee: DOCTOR, scope: { categories: [] }, verifyingPk: 'AAAA', keys: [], records: [], receiver: {} } as unknown as GrantBundle;
		await expect(verifyBundle(bad, doctor.umbralIdentity.secretKey)).rejects.toBeInstanceOf(ShareUnavailableError);
	});

	it('a bundle without a commitment salt is refused: version 1 with a reason, version 2 as malformed', async () => {
		const { doctor, vault, receiver } = await fixture();
		const bundle = await buildBundle(vault, { grantee: DOCTOR, scope: { categories: ['medications'] }, receiver, createdAt: '2024-06-01T00:00:00.000Z' });
		expect(fromBase64(bundle.salt)).toHaveLength(32);
		await expect(verifyBundle(clone(bundle), doctor.umbralIdentity.secretKey)).resolves.toMatchObject({ salt: bundle.salt });
		const { salt: _salt, ...unsalted } = bundle;
		await expect(verifyBundle({ ...unsalted, v: 1 }, doctor.umbralIdentity.secretKey)).rejects.toThrow('earlier version of Carevault');
		await expect(verifyBundle(unsalted, doctor.umbralIdentity.secretKey)).rejects.toThrow('(salt)');
		await expect(verifyBundle({ ...bundle, salt: toBase64(new Uint8Array(16)) }, doctor.umbralIdentity.secretKey)).rejects.toThrow('(salt)');
		// Every bundle gets its own salt.
		const again = await buildBundle(vault, { grantee: DOCTOR, scope: { categories: ['medications'] }, receiver, createdAt: '2024-06-01T00:00:00.000Z' });
		expect(again.salt).not.toBe(bundle.salt);
	});
});

describe('sealed grant pointer', () => {
	it('the grantee opens its half, the patient its own, a stranger neither', async () => {
		const { patient, doctor } = await fixture();
		const stranger = await keysFor();
		const pointer = { cid: 'bafkreibundle', key: toBase64(randomBytes(32)) };
		const { sealedPointer } = await sealGrantPointer(pointer, doctor.inbox.publicKey, { address: PATIENT, indexKey: patient.index });
		expect(new TextDecoder().decode(sealedPointer)).not.toContain('bafkreibundle');
		expect(sealedPointer.length).toBeLessThanOrEqual(1024);
		expect(await openGranteePointer(sealedPointer, doctor.inbox)).toEqual(pointer);
		expect(await openPatientPointer(sealedPointer, { address: PATIENT, indexKey: patient.index })).toEqual(pointer);
		expect(await openGranteePointer(sealedPointer, stranger.inbox)).toBeNull();
		expect(await openPatientPointer(sealedPointer, { address: PATIENT, indexKey: stranger.index })).toBeNull();
		// Bound to the patient's address: another account's view does not open it.
		expect(await openPatientPointer(sealedPointer, { address: DOCTOR, indexKey: patient.index })).toBeNull();
		expect(await openGranteePointer(new Uint8Array([2, 0, 1, 0]), doctor.inbox)).toBeNull();
	});

	it("carries a share link's salt in the patient's half only", async () => {
		const { patient, doctor } = await fixture();
		const pointer = { cid: 'bafkreibundle', key: toBase64(randomBytes(32)) };
		const linkSalt = randomBytes(LINK_SALT_BYTES);
		const { sealedPointer } = await sealGrantPointer(pointer, doctor.inbox.publicKey, { address: PATIENT, indexKey: patient.index, linkSalt });
		expect(await openPatientPointer(sealedPointer, { address: PATIENT, indexKey: patient.index })).toEqual({ ...pointer, linkSalt });
		expect(await openGranteePointer(sealedPointer, doctor.inbox)).toEqual(pointer);
	});
});

describe('share link', () => {
	it('encodes into the fragment only and decodes back; link keys rebuild the same address', async () => {
		const root = randomBytes(32);
		const vaultKeys = await deriveVaultKeys(root);
		const salt = randomBytes(LINK_SALT_BYTES);
		const t = await linkKeysFor(vaultKeys, salt);
		const payload = {
			grantId: 12345678901234567890n,
			bundleCid: 'bafkreibundle',
			bundleKey: toBase64(randomBytes(32)),
			inboxSecret: t.inbox.privateKey,
			umbralSecret: t.umbralSecret,
			expiresAt: 1_900_000_000,
			patient: PATIENT
		};
		const url = shareLinkUrl('https://carevault.example/app/#/old', payload);
		const [base, fragment] = url.split('#');
		expect(base).toBe('https://carevault.example/app/');
		expect(fragment.startsWith('/link/')).toBe(true);
		expect(base).not.toContain(encodeLinkPayload(payload).slice(0, 20));
		for (const form of [url, `#${fragment}`, fragment.slice('/link/'.length)]) expect(decodeLinkPayload(form)).toEqual(payload);

		const again = await throwawayFromSecrets(t.inbox.privateKey, t.umbralSecret);
		expect(again.address).toBe(t.address);
		expect(again.inbox.publicKey).toEqual(t.inbox.publicKey);
		expect(await linkAddress(t.inbox.publicKey, t.umbralPublic)).toBe(t.address);
		// The same salt gives the same link on any device; another salt or another vault gives unrelated keys.
		expect((await linkKeysFor(await deriveVaultKeys(root), salt)).address).toBe(t.address);
		expect((await linkKeysFor(vaultKeys, randomBytes(LINK_SALT_BYTES))).address).not.toBe(t.address);
		expect((await linkKeysFor(await keysFor(), salt)).address).not.toBe(t.address);
		expect(t.inbox.publicKey).not.toEqual(vaultKeys.inbox.publicKey);
		expect(() => vaultKeys.linkSecrets(randomBytes(8))).toThrow();
		wipe(vaultKeys);
		expect(() => vaultKeys.linkSecrets(salt)).toThrow('locked');
	});

	it('refuses damaged links with LinkInvalidError', async () => {
		const t = await linkKeysFor(await keysFor(), randomBytes(LINK_SALT_BYTES));
		const good = encodeLinkPayload({
			grantId: 1n,
			bundleCid: 'bafk',
			bundleKey: toBase64(randomBytes(32)),
			inboxSecret: t.inbox.privateKey,
			umbralSecret: t.umbralSecret,
			expiresAt: 0,
			patient: PATIENT
		});
		for (const bad of ['', '#/link/', '#/link/@@@', good.slice(0, good.length - 12), 'eyJnIjoxfQ', btoa('{"g":"1"}')])
			expect(() => decodeLinkPayload(bad)).toThrow(LinkInvalidError);
	});
});
