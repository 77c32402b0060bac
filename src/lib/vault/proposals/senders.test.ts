import { describe, expect, it } from 'vitest';
import type { Hex } from '../ports';
import { sendersOf, type InboxProvider } from './inbox';

const lab: InboxProvider = { address: '0x00000000000000000000000000000000000000aa' as Hex, name: 'City Lab', role: 'lab', registered: true };
const gp: InboxProvider = { address: '0x00000000000000000000000000000000000000bb' as Hex, name: 'Dr. Grace', role: 'physician', registered: true };
const stranger: InboxProvider = { address: '0x00000000000000000000000000000000000000cc' as Hex, registered: false };

describe('sendersOf: providers a patient can pick without typing an address', () => {
	it('each registered sender once, newest first; unregistered senders are not offered', () => {
		const items = [lab, gp, { ...lab, address: lab.address.toUpperCase().replace('0X', '0x') as Hex }, stranger, gp].map((provider) => ({ provider }));
		expect(sendersOf(items)).toEqual([lab, gp]);
		expect(sendersOf([])).toEqual([]);
	});
});
