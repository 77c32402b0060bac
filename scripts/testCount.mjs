// Counts a vitest JSON report the way the closing line must: failed tests, plus
// one failure for each test file that failed without a failed test of its own
// (it did not load, or a hook threw before any test ran).

/**
 * @param {{ numPassedTests?: number, numFailedTests?: number, testResults?: Array<{ name: string, status: string, assertionResults?: Array<{ status: string }> }> }} report
 * @returns {{ passed: number, failed: number, brokenFiles: string[] }}
 */
export function countVitestReport(report) {
	const brokenFiles = [];
	for (const file of report.testResults ?? []) {
		const failedInFile = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
		if (file.status === 'failed' && failedInFile === 0) brokenFiles.push(file.name);
	}
	return {
		passed: report.numPassedTests ?? 0,
		failed: (report.numFailedTests ?? 0) + brokenFiles.length,
		brokenFiles
	};
}
