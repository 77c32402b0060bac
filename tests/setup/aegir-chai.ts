/**
 * Stand-in for `aegir/chai`, which `interface-blockstore-tests` imports but
 * does not ship (aegir is its dev dependency): the chai phrases that suite
 * uses (dirty-chai's `.true()`, chai-as-promised's `eventually`/`rejected`),
 * each checked with vitest's own `expect`. Aliased in vite.config.ts.
 */
import { expect as vexpect } from 'vitest';

interface Flags {
	deep: boolean;
	eventually: boolean;
}

type Chain = Record<string, unknown> & PromiseLike<unknown>;

function chain(subject: unknown, flags: Flags): Chain {
	const next = (check: (value: unknown) => unknown): Chain => {
		if (!flags.eventually) return chain(check(subject), flags);
		return chain(Promise.resolve(subject).then(check), flags);
	};
	return new Proxy({} as Chain, {
		get(_, word) {
			switch (word) {
				case 'to': case 'be': case 'have': case 'of': case 'that': case 'with': case 'and': case 'is':
					return chain(subject, flags);
				case 'deep':
					return chain(subject, { ...flags, deep: true });
				case 'eventually':
					return chain(subject, { ...flags, eventually: true });
				case 'rejected':
					return chain(
						Promise.resolve(subject).then(
							() => {
								throw new Error('expected the promise to be rejected');
							},
							(err: unknown) => err
						),
						{ ...flags, eventually: true }
					);
				case 'then':
					return flags.eventually ? (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) => Promise.resolve(subject).then(ok, fail) : undefined;
				case 'equal':
					return (expected: unknown) => next((v) => (flags.deep ? vexpect(v).toEqual(expected) : vexpect(v).toBe(expected), v));
				case 'include':
					return (expected: unknown) => next((v) => (vexpect(v).toContain(expected), v));
				case 'lengthOf':
					return (n: number) => next((v) => (vexpect(v).toHaveLength(n), v));
				case 'property':
					return (name: string, ...value: unknown[]) =>
						next((v) => {
							vexpect(v).toHaveProperty(name);
							const got = (v as Record<string, unknown>)[name];
							if (value.length > 0) vexpect(got).toBe(value[0]);
							return got;
						});
				case 'ok':
					return () => next((v) => (vexpect(v).toBeTruthy(), v));
				case 'true':
					return () => next((v) => (vexpect(v).toBe(true), v));
				case 'false':
					return () => next((v) => (vexpect(v).toBe(false), v));
				default:
					throw new Error(`aegir/chai stand-in: unsupported word ${String(word)}`);
			}
		}
	});
}

export function expect(subject: unknown): Chain {
	return chain(subject, { deep: false, eventually: false });
}
