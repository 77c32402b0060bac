import { describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import Fixture from './RenderGuard.fixture.svelte';

describe('RenderGuard', () => {
	it('shows "This record could not be shown: <reason>" for a row that throws, and renders the others and the rest of the page', () => {
		// On the server a boundary shows its failed snippet only for errors transformError hands back (the browser always does).
		const { body } = render(Fixture, { props: { rows: ['asthma', null, 'amoxicillin'] }, transformError: (error) => error });
		expect(body).toContain('ASTHMA');
		expect(body).toContain('AMOXICILLIN');
		expect(body).toContain('This record could not be shown: row is null');
		expect(body).toContain('The rest of the page');
	});
});
