/**
 * The grantee's side: a provider's "shared with me" (wallet) and the share
 * link viewer (no wallet). The chain is asked first: an expired or revoked
 * grant opens nothing. The bundle must match the grant's on-chain commitment
 * and every capsule fragment is verified before anything is shown; attachments decrypt in the browser from the verified fragments.
 */
import type { SecretKey } from '@nucypher/umbral-pre';
import { CarevaultError } from '../../errors';
import { concatBytes, fromBase64 } from '../../crypto/encoding';
import type { VaultKeys } from '../../crypto/keys';
import { openReencrypted, verifyCapsuleFrag } from '../../crypto/pre';
import { getUmbral } from '../../crypto/sodium';
import { decryptAttachment } from '../decryptAttachment';
import type { GrantScope } from '../../records/model';
import type { GrantChain, GrantState } from '../grantPorts';
import type { BlobStore, Hex } from '../ports';
import { fetchBundle, openGranteePointer, verifyBundle, type BundlePointer, type GrantBundle, type SharedAttachment, type SharedRecord } from './bundle';
import { checkGrantCommitment } from './commitment';
import { CfragVerificationError, GrantExpiredError, GrantRevokedError, LinkInvalidError, ShareUnavailableError } from './errors';
import { decodeLinkPayload, throwawayFromSecrets } from './link';
import { forEachLimited } from '../limit';
import type { FetchPayloadOptions } from '../fetchPayload';

export type { SharedAttachment, SharedRecord } from './bundle';

const SECRET = Symbol('share-secret');

interface ShareSecret {
	/** Runs `fn` with the recipient's Umbral secret key (owned elsewhere or freed afterwards). */
	withReceivingKey<T>(fn: (sk: SecretKey) => Promise<T>): Promise<T>;
	verifyingPk: string;
	keys: GrantBundle['keys'];
}

/** One opened grant: exactly the records in its scope. Holds the recipient's key material out of sight (not enumerable). */
export interface OpenedShare {
	grantId: bigint;
	patient: Hex;
	/** Unix seconds; 0 = no expiry. */
	expiresAt: number;
	scope: GrantScope;
	/** When the patient made the grant (ISO 8601), and the patient's label for it, if any. */
	createdAt: string;
	label?: string;
	records: SharedRecord[];
	readonly [SECRET]?: ShareSecret;
}

/** A grant addressed to me. Refused grants (revoked, expired, unreadable) come with no records and the error to show. */
export type SharedFromPatient = OpenedShare & {
	status: 'active' | 'revoked' | 'expired' | 'unavailable';
	error?: CarevaultError;
};

function refuseInactive(state: GrantState): void {
	if (state.revoked) throw new GrantRevokedError(state.id);
	if (!state.active) throw new GrantExpiredError(state.id, state.expiresAt);
}

async function openGrant(
	blobs: Pick<BlobStore, 'cat'>,
	state: GrantState,
	recipient: { inbox: { publicKey: Uint8Array; privateKey: Uint8Array }; withReceivingKey: ShareSecret['withReceivingKey'] },
	fallback?: BundlePointer,
	options: FetchPayloadOptions = {}
): Promise<OpenedShare> {
	refuseInactive(state);
	// The chain's pointer is the latest (it grows as the patient adds records); the link's own copy is the fallback.
	const pointer = (await openGranteePointer(state.sealedPointer, recipient.inbox)) ?? fallback;
	if (!pointer) throw new ShareUnavailableError('they were not sealed to your key.');
	const raw = await fetchBundle(blobs, pointer, options);
	const bundle = await recipient.withReceivingKey((sk) => verifyBundle(raw, sk));
	if (bundle.patient.toLowerCase() !== state.patient.toLowerCase() || bundle.grantee.toLowerCase() !== state.grantee.toLowerCase())
		throw new ShareUnavailableError('they do not belong to this share.');
	// Only what the patient committed to on-chain (scope, key epochs, expiry, this very bundle) is shown.
	await checkGrantCommitment(state.commitment, { patient: state.patient, grantee: state.grantee, expiresAt: state.expiresAt, bundle, pointer });
	const share: OpenedShare = {
		grantId: state.id,
		patient: state.patient,
		expiresAt: state.expiresAt,
		scope: bundle.scope,
		createdAt: bundle.createdAt,
		...(bundle.label ? { label: bundle.label } : {}),
		records: bundle.records
	};
	Object.defineProperty(share, SECRET, {
		enumerable: false,
		value: { withReceivingKey: recipient.withReceivingKey, verifyingPk: bundle.verifyingPk, keys: bundle.keys } satisfies ShareSecret
	});
	return share;
}

function walletRecipient(keys: VaultKeys) {
	return {
		inbox: keys.inbox,
		// VaultKeys owns (and frees) its identity key.
		withReceivingKey: <T>(fn: (sk: SecretKey) => Promise<T>) => fn(keys.umbralIdentity.secretKey)
	};
}

/** How many bundles are fetched at the same time when "Shared with me" opens them all. */
export const BUNDLE_CONCURRENCY = 3;

/**
 * The grants addressed to `me`, newest first, from the chain only (no bundle
 * fetched): who shared, until when, and whether it is still active. Open one
 * with openSharedState.
 */
export async function listSharedWithMe(deps: { grants: Pick<GrantChain, 'listGrantsForGrantee'> }, me: { address: Hex }): Promise<GrantState[]> {
	return (await deps.grants.listGrantsForGrantee(me.address)).reverse();
}

/** Why a grant opens nothing, from its chain state alone: GrantRevokedError or GrantExpiredError; null when active. */
export function refusalOf(state: GrantState): GrantRevokedError | GrantExpiredError | null {
	try {
		refuseInactive(state);
		return null;
	} catch (err) {
		return err as GrantRevokedError | GrantExpiredError;
	}
}

/**
 * Opens one grant listed by listSharedWithMe: fetches its bundle (bounded in
 * size and time), verifies every capsule fragment. Throws GrantRevokedError,
 * GrantExpiredError, ShareUnavailableError, CfragVerificationError,
 * PayloadUnavailableError or PayloadTooLargeError.
 */
export async function openSharedState(
	deps: { blobs: Pick<BlobStore, 'cat'> },
	me: { address: Hex; keys: VaultKeys },
	state: GrantState,
	options: FetchPayloadOptions = {}
): Promise<OpenedShare> {
	if (state.grantee.toLowerCase() !== me.address.toLowerCase()) throw new ShareUnavailableError('this share is not addressed to you.');
	return openGrant(deps.blobs, state, walletRecipient(me.keys), undefined, options);
}

/**
 * Every grant addressed to `me`, newest first, BUNDLE_CONCURRENCY bundles at
 * a time. Active grants are opened and verified; revoked, expired or
 * unreadable ones are listed with the error to show and no records.
 */
export async function openSharedWithMe(
	deps: { blobs: Pick<BlobStore, 'cat'>; grants: Pick<GrantChain, 'listGrantsForGrantee'> },
	me: { address: Hex; keys: VaultKeys },
	options: FetchPayloadOptions = {}
): Promise<SharedFromPatient[]> {
	const states = await listSharedWithMe(deps, me);
	const out: SharedFromPatient[] = new Array(states.length);
	await forEachLimited(states, BUNDLE_CONCURRENCY, async (state, i) => {
		try {
			// Object.assign keeps the hidden key material a spread would drop.
			out[i] = Object.assign(await openSharedState(deps, me, state, options), { status: 'active' as const });
		} catch (err) {
			if (!(err instanceof CarevaultError)) throw err;
			out[i] = {
				grantId: state.id,
				patient: state.patient,
				expiresAt: state.expiresAt,
				scope: { categories: [] },
				createdAt: '',
				records: [],
				status: err instanceof GrantRevokedError ? 'revoked' : err instanceof GrantExpiredError ? 'expired' : 'unavailable',
				error: err
			};
		}
	});
	return out;
}

/** One grant addressed to `me`, opened; throws GrantRevokedError / GrantExpiredError / ShareUnavailableError / CfragVerificationError. */
export async function openSharedGrant(
	deps: { blobs: Pick<BlobStore, 'cat'>; grants: Pick<GrantChain, 'readGrant'> },
	me: { address: Hex; keys: VaultKeys },
	grantId: bigint
): Promise<OpenedShare> {
	const state = await deps.grants.readGrant(grantId);
	if (!state || state.grantee.toLowerCase() !== me.address.toLowerCase()) throw new ShareUnavailableError('this share is not addressed to you.');
	return openGrant(deps.blobs, state, walletRecipient(me.keys));
}

/**
 * Link viewer (no wallet): parses the fragment, checks the grant on-chain
 * (read-only) before anything else, then opens and verifies the bundle.
 * Throws LinkInvalidError, GrantRevokedError, GrantExpiredError,
 * ShareUnavailableError or CfragVerificationError.
 */
export async function openShareLink(
	deps: { blobs: Pick<BlobStore, 'cat'>; grants: Pick<GrantChain, 'readGrant'> },
	fragment: string
): Promise<OpenedShare> {
	const link = decodeLinkPayload(fragment);
	// The chain read runs while the WebAssembly starts and the keys are derived (a doctor waits
	// for both); malformed keys still win over whatever the chain answers.
	const reading = deps.grants.readGrant(link.grantId);
	reading.catch(() => {});
	let t;
	try {
		t = await throwawayFromSecrets(link.inboxSecret, link.umbralSecret);
	} catch (cause) {
		throw new LinkInvalidError('its keys are malformed.', { cause });
	}
	const state = await reading;
	if (!state) throw new LinkInvalidError('the share it points to does not exist on this network.');
	if (state.patient.toLowerCase() !== link.patient.toLowerCase() || state.grantee.toLowerCase() !== t.address.toLowerCase())
		throw new LinkInvalidError('it does not match its share on the blockchain.');
	const umbral = await getUmbral();
	const secret = link.umbralSecret;
	return openGrant(
		deps.blobs,
		state,
		{
			inbox: t.inbox,
			withReceivingKey: async (fn) => {
				const sk = umbral.SecretKey.fromBEBytes(secret);
				try {
					return await fn(sk);
				} finally {
					sk.free();
				}
			}
		},
		{ cid: link.bundleCid, key: link.bundleKey }
	);
}

/** What opening a shared attachment reaches: the blobs, and the chain to check the grant is still active. */
export type SharedAttachmentDeps = { blobs: Pick<BlobStore, 'cat'>; grants: Pick<GrantChain, 'readGrant'> };

/**
 * Streams one shared attachment's plaintext. First asks the chain whether the
 * grant is still active (a share opened an hour ago may have been revoked
 * since: GrantRevokedError / GrantExpiredError), then verifies its capsule
 * fragment, opens the data key with the recipient's Umbral key and decrypts
 * the stream. CfragVerificationError for a fragment that does not verify,
 * DecryptionFailedError for altered ciphertext; never yields unauthenticated bytes.
 */
export async function* openSharedAttachment(
	deps: SharedAttachmentDeps,
	share: OpenedShare,
	record: SharedRecord,
	attachment: SharedAttachment,
	options: { signal?: AbortSignal } = {}
): AsyncGenerator<Uint8Array> {
	const state = await deps.grants.readGrant(share.grantId);
	if (!state) throw new GrantRevokedError(share.grantId);
	refuseInactive(state);
	const secret = share[SECRET];
	if (!secret) throw new ShareUnavailableError('this share was not opened on this page. Open it again.');
	const entry = secret.keys.find((k) => k.category === record.category && k.epoch === attachment.epoch);
	if (!entry) throw new CfragVerificationError(record.id);
	const umbral = await getUmbral();
	const capsule = fromBase64(attachment.capsule);
	const cfrag = fromBase64(attachment.cfrag);
	const dek = await secret.withReceivingKey(async (receivingSk) => {
		const delegatingPk = umbral.PublicKey.fromCompressedBytes(fromBase64(entry.delegatingPk));
		const verifyingPk = umbral.PublicKey.fromCompressedBytes(fromBase64(secret.verifyingPk));
		const receivingPk = receivingSk.publicKey();
		try {
			if (!(await verifyCapsuleFrag({ capsule, cfrag, verifyingPk, delegatingPk, receivingPk }))) throw new CfragVerificationError(record.id);
			return await openReencrypted({ receivingSk, delegatingPk, verifyingPk, capsule, cfrag, ciphertext: fromBase64(attachment.sealedKey) });
		} finally {
			delegatingPk.free();
			verifyingPk.free();
			receivingPk.free();
		}
	});
	yield* decryptAttachment(deps.blobs, attachment, dek, options);
}

/** Reads a shared attachment whole (for viewing). */
export async function readSharedAttachment(
	deps: SharedAttachmentDeps,
	share: OpenedShare,
	record: SharedRecord,
	attachment: SharedAttachment,
	options: { signal?: AbortSignal } = {}
): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	for await (const p of openSharedAttachment(deps, share, record, attachment, options)) parts.push(p);
	return concatBytes(...parts);
}
