/**
 * What an emergency scope holds, and the only shape a provider's browser
 * accepts: short plain-text lists, no record ids, no sources, no attachments.
 */
import type { CurrentLists, ListItem } from '../../records/reconcile';
import type { Hex } from '../ports';

export interface ScopeItem {
	display: string;
	code: string | null;
	system: string | null;
	since: string | null;
}

export interface EmergencyScope {
	v: 1;
	kind: 'carevault-emergency-scope';
	patient: Hex;
	/** ISO time the patient's browser built it. */
	updatedAt: string;
	allergies: ScopeItem[];
	medications: ScopeItem[];
	problems: ScopeItem[];
	/** Written by the patient (blood group, devices, whom to call...); may be empty. */
	summary: string;
}

export const SUMMARY_MAX = 2000;
const ITEMS_MAX = 500;
const TEXT_MAX = 300;

const item = (i: ListItem): ScopeItem => ({ display: i.display, code: i.code, system: i.system, since: i.since });

/** The scope from the reconciled current lists: only what a treating doctor needs in an emergency. */
export function buildScope(patient: Hex, lists: CurrentLists, summary: string, now: Date): EmergencyScope {
	return {
		v: 1,
		kind: 'carevault-emergency-scope',
		patient,
		updatedAt: now.toISOString(),
		allergies: lists.allergies.map(item),
		medications: lists.medications.map(item),
		problems: lists.problems.map(item),
		summary: summary.slice(0, SUMMARY_MAX)
	};
}

/** True when two scopes say the same (their build time aside): no refresh needed. */
export function sameScope(a: EmergencyScope, b: EmergencyScope): boolean {
	const body = (s: EmergencyScope) => JSON.stringify([s.allergies, s.medications, s.problems, s.summary]);
	return body(a) === body(b);
}

const isText = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;
const isNullableText = (v: unknown) => v === null || isText(v, TEXT_MAX);

function isItem(v: unknown): v is ScopeItem {
	if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
	const o = v as Record<string, unknown>;
	return Object.keys(o).every((k) => ['display', 'code', 'system', 'since'].includes(k)) && isText(o.display, TEXT_MAX) && isNullableText(o.code) && isNullableText(o.system) && isNullableText(o.since);
}

/** The scope when `value` is exactly one, for `patient`; null otherwise (nothing unexpected is ever shown). */
export function parseScope(value: unknown, patient: Hex): EmergencyScope | null {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
	const o = value as Record<string, unknown>;
	const lists = ['allergies', 'medications', 'problems'] as const;
	if (o.v !== 1 || o.kind !== 'carevault-emergency-scope' || typeof o.patient !== 'string' || o.patient.toLowerCase() !== patient.toLowerCase()) return null;
	if (!isText(o.updatedAt, 40) || !isText(o.summary, SUMMARY_MAX)) return null;
	for (const key of lists) if (!Array.isArray(o[key]) || (o[key] as unknown[]).length > ITEMS_MAX || !(o[key] as unknown[]).every(isItem)) return null;
	return {
		v: 1,
		kind: 'carevault-emergency-scope',
		patient,
		updatedAt: o.updatedAt as string,
		allergies: (o.allergies as ScopeItem[]).map((i) => ({ ...i })),
		medications: (o.medications as ScopeItem[]).map((i) => ({ ...i })),
		problems: (o.problems as ScopeItem[]).map((i) => ({ ...i })),
		summary: o.summary as string
	};
}
