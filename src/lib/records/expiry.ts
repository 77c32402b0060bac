/** "until 12 May 2026, 14:00" or "no end date": how long a share lasts, in words. */
export function expiryText(expiresAt: number): string {
	return expiresAt === 0 ? 'no end date' : `until ${new Date(expiresAt * 1000).toLocaleString()}`;
}

/** Unix seconds of the end of `date` (YYYY-MM-DD) in local time; 0 for none. */
export function expiryOfDate(date: string): number {
	if (!date) return 0;
	const [y, m, d] = date.split('-').map(Number);
	return Math.floor(new Date(y, m - 1, d, 23, 59, 59).getTime() / 1000);
}
