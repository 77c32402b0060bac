import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_MODULE, ROOT, SOURCES_DIR, compiledContracts, renderGeneratedModule } from '../../scripts/solc-build.mjs';

const sources = readdirSync(join(ROOT, SOURCES_DIR)).filter((f) => f.endsWith('.sol'));
const read = (f: string) => readFileSync(join(ROOT, SOURCES_DIR, f), 'utf8');

describe('compiled contracts', () => {
	it('src/lib/chain/contracts.generated.ts is what the sources compile to (run `npm run contracts` if not)', () => {
		const result = compiledContracts();
		expect(result.contracts.map((c) => c.name)).toEqual(['EmergencyAccess', 'Grants', 'KeyRegistry', 'Proposals', 'ResearchConsent', 'VaultRegistry']);
		expect(result.warnings).toEqual([]);
		expect(readFileSync(join(ROOT, GENERATED_MODULE), 'utf8')).toBe(renderGeneratedModule(result));
	});

	it('every source pins the exact solc version in use', () => {
		const version = compiledContracts().solcVersion.split('+')[0];
		expect(sources.length).toBeGreaterThan(0);
		for (const f of sources) expect(read(f), f).toMatch(new RegExp(`^pragma solidity ${version.replaceAll('.', '\\.')};$`, 'm'));
	});

	it('no source reverts with a string (custom errors only)', () => {
		for (const f of sources) {
			expect(read(f), f).not.toMatch(/\brequire\s*\(/);
			expect(read(f), f).not.toMatch(/\brevert\s*\(\s*"/);
		}
	});
});
