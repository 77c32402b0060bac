/**
 * Emergency access (break-glass) use cases, for the three people involved:
 * the patient (guardians, scope, cancel), a guardian (approve, release) and
 * the requesting provider (request, open the scope once enough shares arrived).
 *
 * Key material: the scope is encrypted under a scope key derived for each
 * guardian set-up (crypto/scopeKey), split t of n, one share sealed to each
 * guardian on IPFS (the chain gets only a pointer sealed to that guardian).
 * After finalize, each approving guardian re-seals its share to the provider.
 */
import { bytesToHex as toHex, concatBytes, fromBase64, hexToBytes, toBase64, utf8 } from '../../crypto/encoding';
import { decryptBlob, encryptBlob, openSealed, sealTo } from '../../crypto/seal';
import { combineScopeKey, deriveScopeKey, scopeKeyCommitment, splitScopeKey, SCOPE_SALT_BYTES } from '../../crypto/scopeKey';
import { DecryptionFailedError } from '../../crypto/errors';
import type { CurrentLists } from '../../records/reconcile';
import type { OpenVault, Ports } from '../deps';
import type { Hex } from '../ports';
import { fetchPayload } from '../fetchPayload';
import { PatientNotRegisteredError } from '../proposals/errors';
import type { EmergencyChain, EmergencyRequestState, GuardianSetup } from './ports';
import { buildScope, parseScope, sameScope, type EmergencyScope } from './scope';
import {
	EmergencyRequestStateError,
	EmergencyScopeInvalidError,
	EmergencySharesMismatchError,
	EmergencySharesMissingError,
	GuardianSetupError,
	NoGuardiansError,
	NotAGuardianError
} from './errors';

export type { EmergencyScope, ScopeItem } from './scope';
export type { EmergencyChain, EmergencyRequestState, EmergencyStatus, GuardianSetup } from './ports';
export * from './errors';

export type EmergencyPorts = Pick<Ports, 'chain' | 'blobs'> & { emergency: EmergencyChain };

export const DEFAULT_WAITING_PERIOD = 3600;
export const MAX_GUARDIANS = 16;
export const REASON_MAX = 500;
/** A share or a pointer fetched from someone else: tiny by construction. */
const SMALL = 64 * 1024;
const SCOPE_MAX = 1024 * 1024;

const SCOPE_AD = utf8('carevault/emergency/scope/v1');
const POINTER_AD = utf8('carevault/emergency/scope-pointer/v1');
const json = (value: unknown) => utf8(JSON.stringify(value));
const parse = (bytes: Uint8Array): unknown => {
	try {
		return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
	} catch {
		return null;
	}
};
const addr = (a: Hex) => hexToBytes(a);
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function inboxOf(ports: Pick<Ports, 'chain'>, account: Hex): Promise<Uint8Array> {
	const keys = await ports.chain.readKeys(account);
	if (!keys) throw new PatientNotRegisteredError(account);
	return keys.inbox;
}

/** Stores `bytes` on IPFS (pinned) and returns its CID sealed to `inbox`: only that person learns where it is. */
async function storeSealedPointer(ports: Pick<Ports, 'blobs'>, inbox: Uint8Array, bytes: Uint8Array): Promise<Uint8Array> {
	const cid = await ports.blobs.addBytes(bytes);
	await ports.blobs.pin(cid);
	return sealTo(inbox, utf8(cid));
}

async function openSealedPointer(ports: Pick<Ports, 'blobs'>, vault: OpenVault, sealedPointer: Uint8Array, maxBytes = SMALL): Promise<Uint8Array> {
	const cid = new TextDecoder().decode(await openSealed(vault.keys.inbox, sealedPointer));
	return openSealed(vault.keys.inbox, await fetchPayload(ports.blobs, cid, { maxBytes }));
}

// --- the patient -------------------------------------------------------------

/** scopePointer = salt || encryptBlob(key, cid): the salt rebuilds the key on any device of the vault. */
async function sealScope(ports: Pick<Ports, 'blobs'>, vault: OpenVault, salt: Uint8Array, key: Uint8Array, scope: EmergencyScope): Promise<Uint8Array> {
	const ad = concatBytes(addr(vault.address), salt);
	const cid = await ports.blobs.addBytes(await encryptBlob(key, json(scope), concatBytes(SCOPE_AD, ad)));
	await ports.blobs.pin(cid);
	return concatBytes(salt, await encryptBlob(key, utf8(cid), concatBytes(POINTER_AD, ad)));
}

async function openScope(ports: Pick<Ports, 'blobs'>, patient: Hex, key: Uint8Array, scopePointer: Uint8Array): Promise<EmergencyScope> {
	const salt = scopePointer.subarray(0, SCOPE_SALT_BYTES);
	const ad = concatBytes(addr(patient), salt);
	try {
		const cid = new TextDecoder().decode(await decryptBlob(key, scopePointer.subarray(SCOPE_SALT_BYTES), concatBytes(POINTER_AD, ad)));
		const bytes = await decryptBlob(key, await fetchPayload(ports.blobs, cid, { maxBytes: SCOPE_MAX }), concatBytes(SCOPE_AD, ad));
		const scope = parseScope(parse(bytes), patient);
		if (!scope) throw new EmergencyScopeInvalidError('emergency information');
		return scope;
	} catch (err) {
		if (err instanceof DecryptionFailedError) throw new EmergencyScopeInvalidError('emergency information', { cause: err });
		throw err;
	}
}

/** The patient's own scope key for a set-up (from the salt in its scope pointer). */
function myScopeKey(vault: OpenVault, setup: GuardianSetup): Promise<Uint8Array> {
	return deriveScopeKey(vault.keys.index, addr(vault.address), setup.scopePointer.slice(0, SCOPE_SALT_BYTES));
}

export interface GuardianChoice {
	guardians: Hex[];
	threshold: number;
	/** Seconds; 0 allowed. */
	waitingPeriod: number;
	lists: CurrentLists;
	summary: string;
}

/**
 * Names guardians: a fresh scope key (new salt), the scope encrypted under it
 * on IPFS, the key split t of n, each share sealed to its guardian on IPFS,
 * then one transaction (a new key epoch: shares of earlier epochs stop counting).
 */
export async function setUpGuardians(ports: EmergencyPorts, vault: OpenVault, choice: GuardianChoice, now = new Date()): Promise<{ epoch: number }> {
	const { guardians, threshold, waitingPeriod } = choice;
	if (guardians.length === 0) throw new GuardianSetupError('Choose at least one guardian.');
	if (guardians.length > MAX_GUARDIANS) throw new GuardianSetupError(`Choose at most ${MAX_GUARDIANS} guardians.`);
	if (new Set(guardians.map((g) => g.toLowerCase())).size !== guardians.length) throw new GuardianSetupError('A guardian is chosen twice.');
	if (guardians.some((g) => same(g, vault.address))) throw new GuardianSetupError('You cannot be your own guardian.');
	if (!Number.isInteger(threshold) || threshold < 1 || threshold > guardians.length)
		throw new GuardianSetupError(`The number of approvals needed must be between 1 and ${guardians.length}.`);
	if (!Number.isInteger(waitingPeriod) || waitingPeriod < 0 || waitingPeriod > 30 * 24 * 3600)
		throw new GuardianSetupError('The waiting period must be between 0 and 30 days.');
	const inboxes = await Promise.all(
		guardians.map(async (g) => {
			const keys = await ports.chain.readKeys(g);
			if (!keys) throw new GuardianSetupError(`${g} has no Carevault keys yet, so it cannot be a guardian. Ask them to create a vault first.`);
			return keys.inbox;
		})
	);
	const salt = crypto.getRandomValues(new Uint8Array(SCOPE_SALT_BYTES));
	const key = await deriveScopeKey(vault.keys.index, addr(vault.address), salt);
	const commitment = await scopeKeyCommitment(key);
	const scopePointer = await sealScope(ports, vault, salt, key, buildScope(vault.address, choice.lists, choice.summary, now));
	const shares = await splitScopeKey(key, guardians.length, threshold);
	const sealedShares = await Promise.all(
		shares.map((share, i) =>
			sealTo(inboxes[i], json({ v: 1, kind: 'carevault-emergency-share', patient: vault.address, commitment: toHex(commitment), share: toBase64(share) })).then((sealed) =>
				storeSealedPointer(ports, inboxes[i], sealed)
			)
		)
	);
	key.fill(0);
	const { epoch } = await ports.emergency.setGuardians({
		guardians,
		threshold,
		waitingPeriod,
		keyCommitment: `0x${toHex(commitment)}`,
		sealedShares,
		scopePointer
	});
	return { epoch };
}

/** Turns emergency access off: a new epoch with no guardians (every share stops counting). */
export async function turnOffEmergencyAccess(ports: EmergencyPorts): Promise<void> {
	await ports.emergency.setGuardians({ guardians: [], threshold: 0, waitingPeriod: 0, keyCommitment: `0x${'00'.repeat(32)}`, sealedShares: [], scopePointer: new Uint8Array(0) });
}

/** The patient's current set-up and the scope it points to (null when none). */
export async function readMyEmergency(ports: EmergencyPorts, vault: OpenVault): Promise<{ setup: GuardianSetup; scope: EmergencyScope } | null> {
	const setup = await ports.emergency.readSetup(vault.address);
	if (!setup || setup.guardians.length === 0) return null;
	const key = await myScopeKey(vault, setup);
	try {
		return { setup, scope: await openScope(ports, vault.address, key, setup.scopePointer) };
	} finally {
		key.fill(0);
	}
}

/**
 * Keeps the scope in step with the current lists: when they (or the summary)
 * differ from the published scope, a new scope goes to IPFS under the same key
 * and one transaction points at it. 'unchanged' sends nothing.
 */
export async function refreshScope(
	ports: EmergencyPorts,
	vault: OpenVault,
	current: { setup: GuardianSetup; scope: EmergencyScope },
	lists: CurrentLists,
	summary: string,
	now = new Date()
): Promise<'updated' | 'unchanged'> {
	const next = buildScope(vault.address, lists, summary, now);
	if (sameScope(next, current.scope)) return 'unchanged';
	const key = await myScopeKey(vault, current.setup);
	try {
		const scopePointer = await sealScope(ports, vault, current.setup.scopePointer.slice(0, SCOPE_SALT_BYTES), key, next);
		await ports.emergency.updateScope({ scopePointer });
		return 'updated';
	} finally {
		key.fill(0);
	}
}

// --- the reason: sealed to the patient and each guardian of the epoch ----------

/** reason = [u16 length][sealed box] per reader (the patient, then each guardian). */
export async function sealReason(inboxes: Uint8Array[], reason: string, now = new Date()): Promise<Uint8Array> {
	const plain = json({ v: 1, reason: reason.slice(0, REASON_MAX), at: now.toISOString() });
	const boxes = await Promise.all(inboxes.map((inbox) => sealTo(inbox, plain)));
	return concatBytes(...boxes.flatMap((box) => [Uint8Array.of(box.length >> 8, box.length & 255), box]));
}

/** The reason when one of the boxes is sealed to this vault; null otherwise (not for me, or malformed). */
export async function openReason(vault: OpenVault, sealed: Uint8Array): Promise<string | null> {
	for (let at = 0; at + 2 <= sealed.length; ) {
		const length = (sealed[at] << 8) | sealed[at + 1];
		const box = sealed.subarray(at + 2, at + 2 + length);
		at += 2 + length;
		try {
			const value = parse(await openSealed(vault.keys.inbox, box)) as { reason?: unknown } | null;
			return typeof value?.reason === 'string' ? value.reason.slice(0, REASON_MAX) : null;
		} catch {
			// Another reader's box.
		}
	}
	return null;
}

// --- the provider --------------------------------------------------------------

/** Opens an emergency request for `patient`, its reason sealed to the patient and the current guardians. */
export async function requestEmergencyAccess(ports: EmergencyPorts, input: { patient: Hex; reason: string }, now = new Date()): Promise<{ id: bigint }> {
	const setup = await ports.emergency.readSetup(input.patient);
	if (!setup || setup.guardians.length === 0) throw new NoGuardiansError(input.patient);
	const inboxes = await Promise.all([input.patient, ...setup.guardians].map((a) => inboxOf(ports, a)));
	const sealedReason = await sealReason(inboxes, input.reason.trim(), now);
	const { id } = await ports.emergency.openRequest({ patient: input.patient, sealedReason });
	return { id };
}

/**
 * Opens the emergency scope of a finalized request with the shares released
 * to this provider: EmergencyRequestStateError before finalize (or after a
 * cancel, or once the patient changed guardians), EmergencySharesMissingError
 * with fewer than the threshold, EmergencySharesMismatchError when they do not
 * rebuild the patient's key. Nothing else of the vault is reachable with it.
 */
export async function openEmergencyScope(ports: EmergencyPorts, vault: OpenVault, id: bigint): Promise<EmergencyScope> {
	const request = await ports.emergency.readRequest(id);
	if (!request || !same(request.provider, vault.address)) throw new EmergencyRequestStateError(`Emergency request ${id} is not one of yours.`);
	if (request.status !== 'finalized')
		throw new EmergencyRequestStateError(
			request.status === 'cancelled' ? 'The patient cancelled this emergency request: nothing can be opened.' : 'This emergency request is not finalized yet: nothing can be opened before.'
		);
	const setup = await ports.emergency.readSetup(request.patient);
	if (!setup || setup.epoch !== request.epoch) throw new EmergencyRequestStateError('The patient changed guardians after this request, so its shares no longer count.');
	const shares: Uint8Array[] = [];
	for (const release of request.releases) {
		// Only guardians of the request's epoch who released on-chain; anything unreadable is skipped and counted as missing.
		if (!setup.guardians.some((g) => same(g, release.guardian))) continue;
		try {
			const value = parse(await openSealedPointer(ports, vault, release.sealedPointer)) as Record<string, unknown> | null;
			if (value?.kind !== 'carevault-emergency-release' || value.requestId !== id.toString() || typeof value.patient !== 'string' || !same(value.patient, request.patient)) continue;
			if (typeof value.share !== 'string') continue;
			shares.push(fromBase64(value.share));
		} catch (err) {
			if (!(err instanceof DecryptionFailedError)) throw err;
		}
	}
	if (shares.length < setup.threshold) throw new EmergencySharesMissingError(shares.length, setup.threshold);
	const key = await combineScopeKey(shares, hexToBytes(setup.keyCommitment)).catch(() => null);
	if (!key) throw new EmergencySharesMismatchError();
	try {
		return await openScope(ports, request.patient, key, setup.scopePointer);
	} finally {
		key.fill(0);
	}
}

// --- a guardian ----------------------------------------------------------------

/** Requests for the patients who named me (current epoch), newest first, with each patient's set-up. */
export async function listGuardianRequests(ports: EmergencyPorts, vault: OpenVault): Promise<Array<{ setup: GuardianSetup; request: EmergencyRequestState }>> {
	const setups = await ports.emergency.listSetupsNaming(vault.address);
	const all = await Promise.all(
		setups.map(async (setup) => (await ports.emergency.listRequests({ patient: setup.patient })).filter((r) => r.epoch === setup.epoch).map((request) => ({ setup, request })))
	);
	return all.flat().sort((a, b) => (a.request.id > b.request.id ? -1 : 1));
}

/**
 * After finalize, re-seals my share to the requesting provider (IPFS) and
 * records the release on-chain with its pointer sealed to the provider.
 */
export async function releaseShare(ports: EmergencyPorts, vault: OpenVault, request: EmergencyRequestState): Promise<void> {
	if (request.status !== 'finalized') throw new EmergencyRequestStateError('Shares are released only after the request is finalized.');
	const setup = await ports.emergency.readSetup(request.patient);
	if (!setup || setup.epoch !== request.epoch) throw new EmergencyRequestStateError('The patient changed guardians after this request, so it can no longer go ahead.');
	const index = setup.guardians.findIndex((g) => same(g, vault.address));
	if (index < 0 || !request.approvedBy.some((g) => same(g, vault.address))) throw new NotAGuardianError();
	let share: Uint8Array;
	try {
		const value = parse(await openSealedPointer(ports, vault, setup.sealedShares[index])) as Record<string, unknown> | null;
		if (value?.kind !== 'carevault-emergency-share' || typeof value.patient !== 'string' || !same(value.patient, request.patient)) throw new EmergencyScopeInvalidError('key share');
		if (typeof value.share !== 'string' || value.commitment !== setup.keyCommitment.slice(2).toLowerCase()) throw new EmergencyScopeInvalidError('key share');
		share = fromBase64(value.share);
	} catch (err) {
		if (err instanceof DecryptionFailedError) throw new EmergencyScopeInvalidError('key share', { cause: err });
		throw err;
	}
	const providerInbox = await inboxOf(ports, request.provider);
	const sealed = await sealTo(providerInbox, json({ v: 1, kind: 'carevault-emergency-release', requestId: request.id.toString(), patient: request.patient, share: toBase64(share) }));
	share.fill(0);
	await ports.emergency.release({ id: request.id, sealedPointer: await storeSealedPointer(ports, providerInbox, sealed) });
}
