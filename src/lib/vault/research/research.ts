/**
 * Research on the patient's terms: a researcher registers a study; a patient
 * opts in, which releases a de-identified FHIR Bundle of the study's
 * categories (records/fhir/deidentify.ts) encrypted under a fresh key, stored
 * on IPFS, its pointer sealed to the researcher; the patient may withdraw at
 * any time. The app never releases for a study it does not hold an active
 * consent to (withdrawn, never given, or ended): it checks on-chain first,
 * and the contract refuses such a release anyway. What was released before a
 * withdrawal stays with the researcher.
 */
import { fromBase64, toBase64, utf8 } from '../../crypto/encoding';
import { decryptBlob, encryptBlob } from '../../crypto/seal';
import { deidentifyPatient, type DeidentifiedBundle } from '../../records/fhir/deidentify';
import type { Bundle } from '../../records/fhir/export';
import type { FhirResource } from '../../records/fhir/validate';
import type { Category } from '../../records/model';
import type { Ports, OpenVault } from '../deps';
import type { Hex } from '../ports';
import { fetchPayload } from '../fetchPayload';
import { randomBytes } from '../random';
import { openGranteePointer, openPatientPointer, sealGrantPointer } from '../sharing/bundle';
import type { ConsentEvent, ResearchChain, Study } from './ports';
import { categoriesToMask, maskToCategories } from './categories';
import {
	ConsentAlreadyGivenError,
	ConsentNotActiveError,
	NotAResearcherError,
	NothingToReleaseError,
	ReleaseUnreadableError,
	ResearcherKeysMissingError,
	StudyEndedError,
	StudyInputError
} from './errors';

/** Associated data of a release's ciphertext: a grant bundle's key cannot be replayed as a release. */
export const RESEARCH_BUNDLE_AD = utf8('carevault/v1/research-bundle');
export const STUDY_PURPOSE_MAX_BYTES = 512;

export type ResearchDeps = Pick<Ports, 'signer' | 'chain' | 'blobs'> & { research: ResearchChain };

/**
 * Registers a study of the connected account, which must be registered with
 * the researcher role (patients see it verified only with a researcher
 * attestation from an attester they trust).
 */
export async function registerStudy(
	deps: Pick<Ports, 'signer' | 'providers'> & { research: ResearchChain },
	p: { purpose: string; categories: readonly Category[]; endsAt: number }
): Promise<Study> {
	const purpose = p.purpose.trim();
	if (purpose === '') throw new StudyInputError('say what the study is for.');
	const bytes = utf8(purpose).length;
	if (bytes > STUDY_PURPOSE_MAX_BYTES) throw new StudyInputError(`the purpose is too long (${bytes} bytes; at most ${STUDY_PURPOSE_MAX_BYTES}). Shorten it.`);
	if (p.categories.length === 0) throw new StudyInputError('choose at least one category of records.');
	const now = await deps.research.chainTime();
	if (!Number.isSafeInteger(p.endsAt) || p.endsAt <= now) throw new StudyInputError('the end date must be in the future.');
	const profile = await deps.providers.readProvider(deps.signer.address);
	if (profile?.role !== 'researcher') throw new NotAResearcherError();
	const { studyId } = await deps.research.registerStudy({ purpose, categories: p.categories, endsAt: p.endsAt });
	return { id: studyId, researcher: deps.signer.address, purpose, categories: maskToCategories(categoriesToMask(p.categories)), endsAt: p.endsAt };
}

/** What the patient would release to `study`: shown before anything leaves the browser. */
export function previewRelease(resources: readonly FhirResource[], study: Pick<Study, 'categories'>, now: Date): DeidentifiedBundle {
	return deidentifyPatient(resources, { categories: study.categories, now });
}

export interface ReleaseResult {
	hash: Hex;
	/** Resources released per type. */
	counts: Record<string, number>;
}

async function checkOpen(deps: ResearchDeps, study: Study, patient: Hex) {
	const [state, now] = await Promise.all([deps.research.consentOf(study.id, patient), deps.research.chainTime()]);
	if (now >= study.endsAt) throw new StudyEndedError(study.id);
	return state;
}

async function sealRelease(deps: ResearchDeps, vault: OpenVault, study: Study, resources: readonly FhirResource[], now: Date) {
	const keys = await deps.chain.readKeys(study.researcher);
	if (!keys) throw new ResearcherKeysMissingError();
	const { bundle, counts } = previewRelease(resources, study, now);
	if (bundle.entry.every((e) => e.resource.resourceType === 'Patient')) throw new NothingToReleaseError();
	const key = randomBytes(32);
	const cid = await deps.blobs.addBytes(await encryptBlob(key, utf8(JSON.stringify(bundle)), RESEARCH_BUNDLE_AD));
	await deps.blobs.pin(cid);
	// The patient's half (under its index key) lets it list its own releases from the chain alone.
	const { sealedPointer } = await sealGrantPointer({ cid, key: toBase64(key) }, keys.inbox, { address: vault.address, indexKey: vault.keys.index });
	return { sealedPointer, counts };
}

/**
 * Opts in to `study`: consent on-chain with the first release, in one
 * transaction. ConsentAlreadyGivenError when the consent already holds,
 * StudyEndedError after the study's end.
 */
export async function optIn(deps: ResearchDeps, vault: OpenVault, p: { study: Study; resources: readonly FhirResource[]; now: Date }): Promise<ReleaseResult> {
	const state = await checkOpen(deps, p.study, vault.address);
	if (state.givenAt !== 0 && state.withdrawnAt === 0) throw new ConsentAlreadyGivenError(p.study.id);
	const { sealedPointer, counts } = await sealRelease(deps, vault, p.study, p.resources, p.now);
	return { hash: await deps.research.giveConsent({ studyId: p.study.id, sealedPointer }), counts };
}

/**
 * Releases the current data again to a study the patient takes part in (new
 * records since). Never for a withdrawn, never-given or ended consent:
 * ConsentNotActiveError / StudyEndedError, and nothing is encrypted or stored.
 */
export async function releaseAgain(deps: ResearchDeps, vault: OpenVault, p: { study: Study; resources: readonly FhirResource[]; now: Date }): Promise<ReleaseResult> {
	const state = await checkOpen(deps, p.study, vault.address);
	if (!state.active) throw new ConsentNotActiveError(p.study.id);
	const { sealedPointer, counts } = await sealRelease(deps, vault, p.study, p.resources, p.now);
	return { hash: await deps.research.release({ studyId: p.study.id, sealedPointer }), counts };
}

/** Withdraws consent: no release is accepted after this. What was released stays with the researcher. */
export async function withdraw(deps: Pick<ResearchDeps, 'research' | 'signer'>, studyId: bigint): Promise<Hex> {
	const state = await deps.research.consentOf(studyId, deps.signer.address);
	if (state.givenAt === 0 || state.withdrawnAt !== 0) throw new ConsentNotActiveError(studyId);
	return deps.research.withdrawConsent(studyId);
}

/** A study as one patient sees it: its terms and where the patient stands. */
export interface StudyForPatient {
	study: Study;
	status: 'not-joined' | 'joined' | 'withdrawn' | 'ended';
	/** Releases made, with block times (Unix seconds). */
	releases: number[];
	withdrawnAt?: number;
}

/** Every study, and the patient's standing in each, from the chain. */
export async function studiesForPatient(deps: Pick<ResearchDeps, 'research' | 'signer'>): Promise<StudyForPatient[]> {
	const [studies, events, now] = await Promise.all([
		deps.research.listStudies(),
		deps.research.listConsentEvents({ patient: deps.signer.address }),
		deps.research.chainTime()
	]);
	return studies.map((study) => {
		const mine = events.filter((e) => e.studyId === study.id);
		const last = [...mine].reverse().find((e) => e.kind !== 'released');
		const withdrawn = last?.kind === 'withdrawn';
		const status = now >= study.endsAt ? 'ended' : !last ? 'not-joined' : withdrawn ? 'withdrawn' : 'joined';
		return {
			study,
			status,
			releases: mine.filter((e) => e.kind === 'released').map((e) => e.timestamp),
			...(withdrawn ? { withdrawnAt: last.timestamp } : {})
		};
	});
}

/** One participant of a researcher's study, and what they released. */
export interface Participant {
	studyId: bigint;
	patient: Hex;
	status: 'taking-part' | 'withdrawn';
	givenAt: number;
	withdrawnAt?: number;
	releases: ConsentEvent[];
}

/** The researcher's studies and their participants, releases and withdrawals, from the chain. */
export async function researcherOverview(deps: Pick<ResearchDeps, 'research' | 'signer'>): Promise<{ studies: Study[]; participants: Participant[] }> {
	const me = deps.signer.address.toLowerCase();
	const [all, events] = await Promise.all([deps.research.listStudies(), deps.research.listConsentEvents({ researcher: deps.signer.address })]);
	const studies = all.filter((s) => s.researcher.toLowerCase() === me);
	const byKey = new Map<string, Participant>();
	for (const e of events) {
		const key = `${e.studyId}:${e.patient.toLowerCase()}`;
		let p = byKey.get(key);
		if (e.kind === 'given') {
			p = { studyId: e.studyId, patient: e.patient, status: 'taking-part', givenAt: e.timestamp, releases: p?.releases ?? [] };
			byKey.set(key, p);
		} else if (p && e.kind === 'released') p.releases.push(e);
		else if (p && e.kind === 'withdrawn') {
			p.status = 'withdrawn';
			p.withdrawnAt = e.timestamp;
		}
	}
	return { studies, participants: [...byKey.values()] };
}

/**
 * Opens a release as its researcher: the pointer's researcher half (sealed to
 * `inbox`), the ciphertext from IPFS, and a check that it is a FHIR
 * `collection` Bundle. ReleaseUnreadableError otherwise.
 */
export async function openRelease(deps: Pick<Ports, 'blobs'>, inbox: { publicKey: Uint8Array; privateKey: Uint8Array }, sealedPointer: Uint8Array): Promise<Bundle> {
	const pointer = await openGranteePointer(sealedPointer, inbox);
	if (!pointer) throw new ReleaseUnreadableError('it was not sealed to you.');
	return readRelease(deps, pointer);
}

/** The patient opens its own release (the half under its index key), to see what it sent. */
export async function openOwnRelease(deps: Pick<Ports, 'blobs'>, vault: OpenVault, sealedPointer: Uint8Array): Promise<Bundle> {
	const pointer = await openPatientPointer(sealedPointer, { address: vault.address, indexKey: vault.keys.index });
	if (!pointer) throw new ReleaseUnreadableError('it was not made by this vault.');
	return readRelease(deps, pointer);
}

async function readRelease(deps: Pick<Ports, 'blobs'>, pointer: { cid: string; key: string }): Promise<Bundle> {
	const blob = await fetchPayload(deps.blobs, pointer.cid);
	let value: unknown;
	try {
		value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await decryptBlob(fromBase64(pointer.key), blob, RESEARCH_BUNDLE_AD)));
	} catch (cause) {
		throw new ReleaseUnreadableError('it was altered or the key does not match.', { cause });
	}
	const b = value as Partial<Bundle> | null;
	if (!b || b.resourceType !== 'Bundle' || b.type !== 'collection' || !Array.isArray(b.entry)) throw new ReleaseUnreadableError('it is not a FHIR Bundle.');
	return b as Bundle;
}

