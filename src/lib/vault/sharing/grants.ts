/**
 * The patient's side of sharing: grant, extend, revoke, list, share links.
 * The patient's browser is the proxy: it makes kfrags from its category keys,
 * re-encrypts the capsules in scope, and publishes only a sealed pointer and
 * its commitment on-chain (one transaction per grant, whatever the number of
 * records).
 */
import { isAddress as isAddr } from '../../types';
import { fromBase64, toBase64 } from '../../crypto/encoding';
import { isCategory, type Category, type GrantRecord, type GrantScope, type VaultRecord } from '../../records/model';
import type { OpenVault } from '../deps';
import type { GrantState } from '../grantPorts';
import type { Hex } from '../ports';
import {
	buildBundle,
	fetchBundle,
	openPatientPointer,
	scopeCategories,
	sealGrantPointer,
	storeBundle,
	type GrantBundle
} from './bundle';
import { GranteeNotRegisteredError, LinkNotRecoverableError, ShareInputError } from './errors';
import { LINK_SALT_BYTES } from '../../crypto/keys';
import { randomBytes } from '../random';
import { linkAddress, linkKeysFor, shareLinkUrl } from './link';
import { grantCommitment } from './commitment';

export type { GrantScope, GrantRecord } from '../../records/model';

import type { SharingDeps } from './deps';
export type { SharingDeps } from './deps';


function checkScope(scope: GrantScope): GrantScope {
	if (scope && 'categories' in scope && Array.isArray(scope.categories)) {
		const categories = [...new Set(scope.categories)];
		if (categories.length === 0) throw new ShareInputError('Choose at least one category to share.');
		for (const c of categories) if (!isCategory(c)) throw new ShareInputError(`"${String(c)}" is not a category.`);
		return { categories };
	}
	if (scope && 'recordIds' in scope && Array.isArray(scope.recordIds)) {
		const recordIds = [...new Set(scope.recordIds)];
		if (recordIds.length === 0) throw new ShareInputError('Choose at least one record to share.');
		return { recordIds };
	}
	throw new ShareInputError('Choose what to share: categories or records.');
}

function checkExpiry(expiresAt: number, now: Date): number {
	if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new ShareInputError('The expiry must be a date, or none.');
	if (expiresAt !== 0 && expiresAt <= Math.floor(now.getTime() / 1000)) throw new ShareInputError('The expiry is in the past. Pick a later date.');
	return expiresAt;
}

async function providerReceiver(deps: Pick<SharingDeps, 'chain'>, grantee: Hex): Promise<{ inbox: Uint8Array; umbral: Uint8Array }> {
	const keys = await deps.chain.readKeys(grantee);
	if (!keys) throw new GranteeNotRegisteredError(grantee);
	return { inbox: keys.inbox, umbral: keys.umbral };
}

async function publishBundle(
	deps: Pick<SharingDeps, 'blobs'>,
	vault: OpenVault,
	p: {
		grantee: Hex;
		scope: GrantScope;
		receiver: { inbox: Uint8Array; umbral: Uint8Array };
		createdAt: string;
		label?: string;
		records?: readonly VaultRecord[];
		linkSalt?: Uint8Array;
		/** The grant's expiry on-chain (unix s, 0 = never): the commitment binds it. */
		expiresAt: number;
	}
) {
	const bundle = await buildBundle(vault, p);
	const pointer = await storeBundle(deps.blobs, bundle);
	const { sealedPointer } = await sealGrantPointer(pointer, p.receiver.inbox, { address: vault.address, indexKey: vault.keys.index, linkSalt: p.linkSalt });
	const commitment = await grantCommitment({ patient: vault.address, grantee: p.grantee, expiresAt: p.expiresAt, bundle, pointer });
	return { bundle, pointer, sealedPointer, commitment };
}

const withGrants = (vault: OpenVault, grants: GrantRecord[]): OpenVault => ({ ...vault, index: { ...vault.index, grants } });

export interface GrantAccessParameters {
	grantee: Hex;
	scope: GrantScope;
	/** Unix seconds; 0 = never. */
	expiresAt: number;
	label?: string;
}

/**
 * Builds the bundle for `scope` from the vault index, stores it encrypted on
 * IPFS, seals its pointer to the grantee's published X25519 key and sends ONE
 * grant transaction. The returned vault lists the grant in its index (saved
 * with the next commit; the chain alone also lets syncGrants rebuild it).
 *
 * @example
 * const { vault: next, grantId } = await grantAccess(deps, vault, { grantee: doctor, scope: { categories: ['medications'] }, expiresAt: 0 })
 */
export async function grantAccess(
	deps: SharingDeps,
	vault: OpenVault,
	p: GrantAccessParameters,
	options: { now?: Date } = {}
): Promise<{ vault: OpenVault; grantId: bigint }> {
	return makeProviderGrant(deps, vault, p, async (tx) => (await deps.grants.grant({ grantee: p.grantee, ...tx })).id, options);
}

/**
 * grantAccess with the transaction left to `send` (which resolves with the new
 * grant id): approving an access request sends the same grant through
 * `approveRequest`, which grants the requester and answers in one call.
 */
export async function makeProviderGrant(
	deps: SharingDeps,
	vault: OpenVault,
	p: GrantAccessParameters,
	send: (tx: { expiresAt: number; sealedPointer: Uint8Array; commitment: Hex }) => Promise<bigint>,
	options: { now?: Date } = {}
): Promise<{ vault: OpenVault; grantId: bigint }> {
	const now = options.now ?? new Date();
	if (!isAddr(p.grantee)) throw new ShareInputError(`"${String(p.grantee).slice(0, 60)}" is not an account address.`);
	if (p.grantee.toLowerCase() === vault.address.toLowerCase()) throw new ShareInputError('You cannot share with yourself.');
	const scope = checkScope(p.scope);
	const expiresAt = checkExpiry(p.expiresAt, now);
	const receiver = await providerReceiver(deps, p.grantee);
	const createdAt = now.toISOString();
	const { pointer, sealedPointer, commitment } = await publishBundle(deps, vault, { grantee: p.grantee, scope, receiver, createdAt, label: p.label, expiresAt });
	const id = await send({ expiresAt, sealedPointer, commitment });
	const record: GrantRecord = {
		id: id.toString(),
		grantee: p.grantee,
		kind: 'provider',
		scope,
		expiresAt,
		createdAt,
		bundleCid: pointer.cid,
		...(p.label ? { label: p.label } : {})
	};
	return { vault: withGrants(vault, [...(vault.index.grants ?? []), record]), grantId: id };
}

/**
 * Share link for a doctor without a wallet: the grant goes to a throwaway key
 * pair whose secrets travel only in the URL fragment. The link is a bearer
 * secret: whoever holds it sees the scope until it expires or is revoked.
 */
export async function createShareLink(
	deps: SharingDeps,
	vault: OpenVault,
	p: { scope: GrantScope; expiresAt: number; label?: string },
	siteUrl: string,
	options: { now?: Date } = {}
): Promise<{ vault: OpenVault; grantId: bigint; url: string }> {
	const now = options.now ?? new Date();
	const scope = checkScope(p.scope);
	const expiresAt = checkExpiry(p.expiresAt, now);
	const linkSalt = randomBytes(LINK_SALT_BYTES);
	const t = await linkKeysFor(vault.keys, linkSalt);
	const receiver = { inbox: t.inbox.publicKey, umbral: t.umbralPublic };
	const createdAt = now.toISOString();
	const { pointer, sealedPointer, commitment } = await publishBundle(deps, vault, {
		grantee: t.address,
		scope,
		receiver,
		createdAt,
		label: p.label,
		linkSalt,
		expiresAt
	});
	const { id } = await deps.grants.grant({ grantee: t.address, expiresAt, sealedPointer, commitment });
	const record: GrantRecord = {
		id: id.toString(),
		grantee: t.address,
		kind: 'link',
		scope,
		expiresAt,
		createdAt,
		bundleCid: pointer.cid,
		receiver: { inbox: toBase64(receiver.inbox), umbral: toBase64(receiver.umbral) },
		...(p.label ? { label: p.label } : {})
	};
	const url = shareLinkUrl(siteUrl, {
		grantId: id,
		bundleCid: pointer.cid,
		bundleKey: pointer.key,
		inboxSecret: t.inbox.privateKey,
		umbralSecret: t.umbralSecret,
		expiresAt,
		patient: vault.address
	});
	return { vault: withGrants(vault, [...(vault.index.grants ?? []), record]), grantId: id, url };
}

/**
 * The link of one of the patient's share links, made again from the chain and
 * the vault's keys (nothing about links is stored elsewhere): the grant's
 * latest pointer and the link's salt from the patient's half of it, the
 * link's keys from the salt. Refuses revoked and expired links, links made
 * before links could be shown again, and anything that does not match the
 * grant on-chain.
 */
export async function showShareLink(
	deps: Pick<SharingDeps, 'grants'>,
	vault: OpenVault,
	grantId: bigint,
	siteUrl: string
): Promise<string> {
	const state = await deps.grants.readGrant(grantId);
	if (!state || state.patient.toLowerCase() !== vault.address.toLowerCase()) throw new LinkNotRecoverableError('it is not one of your shares.');
	if (state.revoked) throw new LinkNotRecoverableError('you revoked it.');
	if (!state.active) throw new LinkNotRecoverableError('it has expired.');
	const pointer = await openPatientPointer(state.sealedPointer, { address: vault.address, indexKey: vault.keys.index });
	if (!pointer) throw new LinkNotRecoverableError('its details on the blockchain could not be read with your keys.');
	if (!pointer.linkSalt) throw new LinkNotRecoverableError('it was made before links could be shown again, or it is not a link.');
	const t = await linkKeysFor(vault.keys, pointer.linkSalt);
	if (t.address.toLowerCase() !== state.grantee.toLowerCase()) throw new LinkNotRecoverableError('its keys do not match the share on the blockchain.');
	return shareLinkUrl(siteUrl, {
		grantId,
		bundleCid: pointer.cid,
		bundleKey: pointer.key,
		inboxSecret: t.inbox.privateKey,
		umbralSecret: t.umbralSecret,
		expiresAt: state.expiresAt,
		patient: vault.address
	});
}

/**
 * Brings the index's grant list and epochs in line with the chain: grants
 * made on another device (or not yet committed) are rebuilt from the
 * patient's half of their sealed pointer, revocations seen on-chain rotate
 * their categories. A category's epoch is at least the number of revoked
 * grants that covered it, so a reload never seals new records to a key a
 * revoked grant was made from. Call after unlocking.
 */
export async function syncGrants(deps: Pick<SharingDeps, 'grants' | 'blobs'>, vault: OpenVault): Promise<OpenVault> {
	return (await syncWithStates(deps, vault)).vault;
}

async function syncWithStates(
	deps: Pick<SharingDeps, 'grants' | 'blobs'>,
	vault: OpenVault
): Promise<{ vault: OpenVault; states: Map<string, GrantState> }> {
	const chainGrants = await deps.grants.listGrantsByPatient(vault.address);
	const states = new Map(chainGrants.map((s) => [s.id.toString(), s]));
	const grants = [...(vault.index.grants ?? [])];
	const known = new Set(grants.map((g) => g.id));
	for (const s of chainGrants) {
		if (known.has(s.id.toString())) continue;
		const recovered = await recoverGrant(deps, vault, s);
		if (recovered) grants.push(recovered);
	}
	const epochs = { ...vault.index.epochs };
	const revokedCount = new Map<Category, number>();
	for (let i = 0; i < grants.length; i++) {
		const g = grants[i];
		const state = states.get(g.id);
		if (state?.revoked && !g.rotated) grants[i] = { ...g, rotated: scopeCategories(g.scope, vault.index.records) };
		for (const c of grants[i].rotated ?? []) revokedCount.set(c, (revokedCount.get(c) ?? 0) + 1);
	}
	for (const [c, n] of revokedCount) epochs[c] = Math.max(epochs[c] ?? 0, n);
	return { vault: { ...vault, index: { ...vault.index, grants, epochs } }, states };
}

async function recoverGrant(deps: Pick<SharingDeps, 'blobs'>, vault: OpenVault, s: GrantState): Promise<GrantRecord | null> {
	const pointer = await openPatientPointer(s.sealedPointer, { address: vault.address, indexKey: vault.keys.index });
	if (!pointer) return null;
	let bundle: GrantBundle;
	try {
		bundle = (await fetchBundle(deps.blobs, pointer)) as GrantBundle;
	} catch {
		// Unreachable bundle: the grant still shows from chain state in listMyGrants, without a scope.
		return null;
	}
	let kind: GrantRecord['kind'] = 'provider';
	try {
		if ((await linkAddress(fromBase64(bundle.receiver.inbox), fromBase64(bundle.receiver.umbral))).toLowerCase() === s.grantee.toLowerCase())
			kind = 'link';
	} catch {
		kind = 'provider';
	}
	const scope = bundle.scope;
	return {
		id: s.id.toString(),
		grantee: s.grantee,
		kind,
		scope,
		expiresAt: s.expiresAt,
		createdAt: bundle.createdAt,
		bundleCid: pointer.cid,
		...(bundle.label ? { label: bundle.label } : {}),
		...(kind === 'link' ? { receiver: bundle.receiver } : {}),
		...(s.revoked ? { rotated: [...new Set(bundle.records.map((r) => r.category).concat('categories' in scope ? scope.categories : []))] } : {})
	};
}

/**
 * Revokes grant `grantId` on-chain (one transaction) and moves every category
 * in its scope to the next epoch: records added afterwards are sealed to a key
 * no kfrag for the revoked grantee was ever made from. What was delivered
 * stays delivered. The grant stays in the vault's list, marked by the chain.
 */
export async function revokeAccess(deps: SharingDeps, vault: OpenVault, grantId: bigint): Promise<OpenVault> {
	let synced = vault;
	if (!(vault.index.grants ?? []).some((g) => g.id === grantId.toString())) synced = await syncGrants(deps, vault);
	const record = (synced.index.grants ?? []).find((g) => g.id === grantId.toString());
	await deps.grants.revoke({ id: grantId });
	if (!record) return synced;
	const rotated = scopeCategories(record.scope, synced.index.records);
	const epochs = { ...synced.index.epochs };
	for (const c of rotated) epochs[c] = (epochs[c] ?? 0) + 1;
	const grants = (synced.index.grants ?? []).map((g) => (g.id === record.id ? { ...g, rotated } : g));
	return { ...synced, index: { ...synced.index, epochs, grants } };
}

/**
 * After records were added or accepted (call it after commitRecords): every
 * ACTIVE grant whose categories cover one of them gets a rebuilt bundle and a
 * new pointer (one updatePointer transaction per grant). Record-list grants,
 * revoked and expired grants are left alone.
 */
export async function extendGrants(
	deps: SharingDeps,
	vault: OpenVault,
	newRecords: VaultRecord[]
): Promise<{ updated: bigint[]; vault: OpenVault }> {
	if (newRecords.length === 0) return { updated: [], vault };
	const { vault: synced, states } = await syncWithStates(deps, vault);
	const added = new Set(newRecords.map((r) => r.category));
	const seen = new Set(synced.index.records.map((r) => r.id));
	const records = [...synced.index.records, ...newRecords.filter((r) => !seen.has(r.id))];
	const updated: bigint[] = [];
	const grants = [...(synced.index.grants ?? [])];
	for (let i = 0; i < grants.length; i++) {
		const g = grants[i];
		if (!('categories' in g.scope) || !g.scope.categories.some((c) => added.has(c))) continue;
		if (!states.get(g.id)?.active) continue;
		const receiver = g.receiver
			? { inbox: fromBase64(g.receiver.inbox), umbral: fromBase64(g.receiver.umbral) }
			: await providerReceiver(deps, g.grantee);
		const id = BigInt(g.id);
		const state = states.get(g.id)!;
		// Keep a share link's salt in the new pointer, or the link could no longer be shown again.
		const current = g.kind === 'link' ? await openPatientPointer(state.sealedPointer, { address: vault.address, indexKey: vault.keys.index }) : null;
		const { pointer, sealedPointer, commitment } = await publishBundle(deps, synced, {
			grantee: g.grantee,
			scope: g.scope,
			receiver,
			createdAt: g.createdAt,
			label: g.label,
			records,
			linkSalt: current?.linkSalt,
			// The chain's expiry, which the grantee checks the new commitment against.
			expiresAt: state.expiresAt
		});
		await deps.grants.updatePointer({ id, sealedPointer, commitment });
		grants[i] = { ...g, bundleCid: pointer.cid };
		updated.push(id);
	}
	return { updated, vault: withGrants(synced, grants) };
}

/**
 * The rule after records reach the vault (added, imported or accepted): the
 * records `after` holds that `before` did not go to every active grant whose
 * categories cover them. `addedIds` limits them to the records this tab
 * added: records merged in from another device were sent by that device.
 */
export async function shareNewRecords(
	deps: SharingDeps,
	before: OpenVault,
	after: OpenVault,
	addedIds?: readonly string[]
): Promise<OpenVault> {
	const known = new Set(before.index.records.map((r) => r.id));
	const ours = addedIds && new Set(addedIds);
	const added = after.index.records.filter((r) => !known.has(r.id) && (!ours || ours.has(r.id)));
	if (added.length === 0) return after;
	return (await extendGrants(deps, after, added)).vault;
}

export type MyGrant = GrantRecord & { state: GrantState | null };

/** The patient's grants, newest first: scope from the index (rebuilt from the chain when missing), state from the chain. */
export async function listMyGrants(deps: Pick<SharingDeps, 'grants' | 'blobs'>, vault: OpenVault): Promise<MyGrant[]> {
	const { vault: synced, states } = await syncWithStates(deps, vault);
	return (synced.index.grants ?? [])
		.map((g) => ({ ...g, state: states.get(g.id) ?? null }))
		.sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : BigInt(b.id) < BigInt(a.id) ? -1 : 0));
}
