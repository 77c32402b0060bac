import { describe, expect, it } from 'vitest';
import { countVitestReport } from './testCount.mjs';

describe('countVitestReport', () => {
	it('counts a file that failed to load as one failure', () => {
		const report = {
			numPassedTests: 3,
			numFailedTests: 0,
			testResults: [
				{ name: 'a.test.ts', status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'passed' }, { status: 'passed' }] },
				{ name: 'broken.test.ts', status: 'failed', assertionResults: [] }
			]
		};
		expect(countVitestReport(report)).toEqual({ passed: 3, failed: 1, brokenFiles: ['broken.test.ts'] });
	});

	it('does not count a file twice when its own tests failed', () => {
		const report = {
			numPassedTests: 1,
			numFailedTests: 2,
			testResults: [{ name: 'b.test.ts', status: 'failed', assertionResults: [{ status: 'failed' }, { status: 'failed' }, { status: 'passed' }] }]
		};
		expect(countVitestReport(report)).toEqual({ passed: 1, failed: 2, brokenFiles: [] });
	});

	it('counts nothing for an empty report', () => {
		expect(countVitestReport({})).toEqual({ passed: 0, failed: 0, brokenFiles: [] });
	});
});
