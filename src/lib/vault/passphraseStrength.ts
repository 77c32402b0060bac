import { WeakPassphraseError } from './errors';

/** zxcvbn's verdict on a passphrase, with its feedback in English. */
export interface PassphraseStrength {
	/** 0 (too guessable) .. 4 (very unguessable). */
	score: 0 | 1 | 2 | 3 | 4;
	/** Whether a vault may be made with it (score >= MIN_PASSPHRASE_SCORE). */
	ok: boolean;
	/** zxcvbn's warning and suggestions, as sentences to show. */
	reasons: string[];
}

/** zxcvbn's "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_PASSPHRASE_SCORE = 3;

type Checker = { check(password: string, userInputs?: string[]): { score: number; feedback: { warning: string | null; suggestions: string[] } } };
let checker: Promise<Checker> | null = null;

// The dictionaries are large (~1 MB): loaded on first use, once, never in the first paint.
function loadChecker(): Promise<Checker> {
	checker ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
		([core, common, en]) =>
			new core.ZxcvbnFactory({
				dictionary: { ...common.dictionary, ...en.dictionary },
				graphs: common.adjacencyGraphs,
				translations: en.translations
			})
	);
	return checker;
}

/**
 * How guessable `passphrase` is, by @zxcvbn-ts/core with the common and English
 * dictionaries. `userInputs` (e.g. the wallet address, the site's name) count
 * as known words.
 */
export async function passphraseStrength(passphrase: string, userInputs: string[] = []): Promise<PassphraseStrength> {
	const z = await loadChecker();
	const { score, feedback } = z.check(passphrase.normalize('NFKC'), ['carevault', 'vault', ...userInputs]);
	const reasons = [feedback.warning, ...feedback.suggestions].filter((r): r is string => typeof r === 'string' && r.length > 0);
	return { score: score as PassphraseStrength['score'], ok: score >= MIN_PASSPHRASE_SCORE, reasons };
}

/** Throws WeakPassphraseError, with zxcvbn's feedback as the reason, for a passphrase scoring below 3. */
export async function assertStrongPassphrase(passphrase: string, userInputs: string[] = []): Promise<void> {
	const strength = await passphraseStrength(passphrase, userInputs);
	if (!strength.ok) throw new WeakPassphraseError(strength.reasons);
}
