/**
 * No duplicates: what of an import the vault already holds.
 *
 * Rules (the README's "Importing the same data again" says the same):
 * - Two resources are the same when they come from the same source system and
 *   have the same `resourceType/id`, or when they carry the same business
 *   identifier (`identifier` with both `system` and `value`, same resource type),
 *   whatever their source.
 * - The source system is `meta.source` (without a `#fragment`) when the resource
 *   names one; otherwise the way it reached the vault: every import counts as
 *   one source (a newer export of the same EHR has another file name), each
 *   provider is its own (its account address, whatever name it showed), and
 *   what the patient typed is "you". So `Observation/1`
 *   from a provider never collides with `Observation/1` of an import.
 * - A match with the same content (JSON with keys sorted) is already present.
 *   A match with other content is a changed version and replaces the older one,
 *   unless `meta.lastUpdated` (or a numeric `meta.versionId`) shows the incoming
 *   one is older than every match: then the vault's newer version stays and the
 *   incoming one counts as already present.
 * - Replacing never deletes: the newer version is stored in a new record that
 *   names the older resources in `supersedes`; `supersededRefs` turns those
 *   marks into the set that lists, timeline and exports leave out.
 */
import type { FhirResource } from '../types';
import type { VaultRecord } from './model';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A resource already in the vault. */
export interface KnownResource {
	resource: FhirResource;
	/** The source of the vault record holding it: 'you', 'import: <file>', or a provider's name and address. */
	recordSource: string;
	/** Where it is: `resourceRef(recordId, position)`. */
	ref: string;
}

/** Names one resource of one record: the record id and the resource's position among its readable resources. */
export function resourceRef(recordId: string, position: number): string {
	return `${recordId}#${position}`;
}

export interface ImportPlan {
	/** Resources the vault does not hold, in input order. */
	fresh: FhirResource[];
	/** Changed versions, each with the refs of the older resources it replaces. */
	updated: Array<{ resource: FhirResource; replaces: string[] }>;
	/** Resources the vault already holds (same content, or a newer version). */
	present: Array<{ resource: FhirResource; ref: string; older: boolean }>;
}

/** The source system of a resource, as the rules above define it. */
export function sourceSystem(resource: FhirResource, recordSource: string): string {
	const meta = resource.meta;
	if (isObj(meta) && typeof meta.source === 'string' && meta.source.trim() !== '')
		return `uri:${meta.source.trim().split('#', 1)[0]}`;
	if (recordSource === 'import' || recordSource.startsWith('import:')) return 'import';
	// A provider is its account, whatever name it is shown under (a name may change, or become verified).
	const provider = /\((0x[0-9a-fA-F]{40})\)$/.exec(recordSource);
	if (provider) return `provider:${provider[1]!.toLowerCase()}`;
	return `from:${recordSource}`;
}

function identifiers(resource: FhirResource): Obj[] {
	const v = resource.identifier;
	return (Array.isArray(v) ? v : [v]).filter(isObj);
}

/** Every key under which a resource is "the same" as another. */
export function identityKeys(resource: FhirResource, recordSource: string): string[] {
	const keys: string[] = [];
	if (typeof resource.id === 'string' && resource.id !== '')
		keys.push(`id ${sourceSystem(resource, recordSource)} ${resource.resourceType}/${resource.id}`);
	for (const idf of identifiers(resource)) {
		// An identifier without a system means nothing outside the system that wrote it.
		if (typeof idf.system === 'string' && idf.system !== '' && typeof idf.value === 'string' && idf.value !== '')
			keys.push(`identifier ${resource.resourceType} ${idf.system} ${idf.value}`);
	}
	return keys;
}

/** JSON with object keys sorted: equal for resources that differ only in key order. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (isObj(value)) {
		const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

function meta(resource: FhirResource): Obj {
	return isObj(resource.meta) ? resource.meta : {};
}

/** -1 when `a` is an older version than `b`, 1 when newer, 0 when the metadata cannot tell. */
export function compareVersions(a: FhirResource, b: FhirResource): number {
	const la = meta(a).lastUpdated;
	const lb = meta(b).lastUpdated;
	if (typeof la === 'string' && typeof lb === 'string') {
		const ta = Date.parse(la);
		const tb = Date.parse(lb);
		if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb ? -1 : 1;
	}
	const va = meta(a).versionId;
	const vb = meta(b).versionId;
	if (typeof va === 'string' && typeof vb === 'string' && /^\d{1,15}$/.test(va) && /^\d{1,15}$/.test(vb) && va !== vb)
		return Number(va) < Number(vb) ? -1 : 1;
	return 0;
}

/**
 * Splits `incoming` (one import, all from `incomingSource`) into what is new,
 * what replaces an older version, and what the vault already holds. `known`
 * should hold the vault's current resources only (not the superseded ones).
 * Pure and linear in the number of resources (content is compared only for matches).
 */
export function planImport(
	known: readonly KnownResource[],
	incoming: readonly FhirResource[],
	incomingSource = 'import'
): ImportPlan {
	const byKey = new Map<string, KnownResource[]>();
	for (const k of known) {
		for (const key of identityKeys(k.resource, k.recordSource)) {
			const list = byKey.get(key);
			if (list) list.push(k);
			else byKey.set(key, [k]);
		}
	}
	const canonical = new Map<KnownResource, string>();
	const canonicalOf = (k: KnownResource) => {
		let c = canonical.get(k);
		if (c === undefined) canonical.set(k, (c = canonicalJson(k.resource)));
		return c;
	};

	const plan: ImportPlan = { fresh: [], updated: [], present: [] };
	for (const resource of incoming) {
		const matches = new Set<KnownResource>();
		for (const key of identityKeys(resource, incomingSource)) for (const k of byKey.get(key) ?? []) matches.add(k);
		if (matches.size === 0) {
			plan.fresh.push(resource);
			continue;
		}
		const mine = canonicalJson(resource);
		const same = [...matches].find((k) => canonicalOf(k) === mine);
		if (same) {
			plan.present.push({ resource, ref: same.ref, older: false });
			continue;
		}
		const newer = [...matches].filter((k) => compareVersions(resource, k.resource) < 0);
		if (newer.length === matches.size) {
			plan.present.push({ resource, ref: newer[0].ref, older: true });
			continue;
		}
		plan.updated.push({ resource, replaces: [...matches].map((k) => k.ref) });
	}
	return plan;
}

/** The refs of every resource some record in the vault marks as replaced. Total over any index content. */
export function supersededRefs(records: readonly VaultRecord[]): Set<string> {
	const out = new Set<string>();
	for (const r of records as readonly unknown[]) {
		if (!isObj(r) || !Array.isArray(r.supersedes)) continue;
		for (const ref of r.supersedes) if (typeof ref === 'string') out.add(ref);
	}
	return out;
}

/** The records that replace resources of record `recordId`, each with how many it replaces (for the record's page). */
export function replacementsOf(records: readonly VaultRecord[], recordId: string): Array<{ record: VaultRecord; count: number }> {
	const prefix = `${recordId}#`;
	const out: Array<{ record: VaultRecord; count: number }> = [];
	for (const r of records as readonly unknown[]) {
		if (!isObj(r) || !Array.isArray(r.supersedes)) continue;
		const count = r.supersedes.filter((ref) => typeof ref === 'string' && ref.startsWith(prefix)).length;
		if (count > 0) out.push({ record: r as unknown as VaultRecord, count });
	}
	return out;
}
