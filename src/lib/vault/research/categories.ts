import { CATEGORIES, type Category } from '../../records/model';

/** On-chain, a study's categories are one bit each, in the order of CATEGORIES. */
export function categoriesToMask(categories: readonly Category[]): number {
	let mask = 0;
	for (const c of categories) {
		const i = CATEGORIES.indexOf(c);
		if (i < 0) throw new RangeError(`not a record category: ${String(c)}`);
		mask |= 1 << i;
	}
	return mask;
}

/** The categories of a mask, in CATEGORIES order; bits past the known categories are ignored. */
export function maskToCategories(mask: number): Category[] {
	return CATEGORIES.filter((_, i) => (mask & (1 << i)) !== 0);
}
