// `npm run publish -- [--config networks/<id>.json] [--dir build] [--out carevault-site.car] [--no-build]`:
// builds the site (and, with --config, writes that network's config and CSP into it, as
// configure-site.mjs does), packs the build directory into a CAR holding one UnixFS directory, and
// prints the directory's root CID (CIDv1). The same files always give the same CID: entries are
// added in path order with no timestamps or modes, CIDv1 with raw leaves and sha2-256, the
// importer's default 1 MiB chunks, and the CAR's blocks are written depth-first from the root.
// Import the CAR into any IPFS node or pinning service (`ipfs dag import`, a CAR upload) to
// serve it; then point DNSLink at the CID (README: "Deploy your own").
//
// Pinning: when a Pinning Service API endpoint is configured (`--pinning-endpoint URL`, else
// CAREVAULT_PINNING_ENDPOINT, else the `pinning.endpoint` of the --config file), the CID is
// pinned there once printed (pin-site.mjs: the service's delegates fetch the blocks from this
// process by bitswap). The token comes from CAREVAULT_PINNING_TOKEN only, never a file or the
// command line. `--no-pin` skips it; a failed pin exits with status 2 (the CAR is written and the
// CID printed already). `--pin-timeout SECONDS` (default 300).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinSite } from './pin-site.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export class PublishError extends Error {
	name = 'PublishError';
}

/** @param {string} dir @returns {string[]} every file under `dir`, as sorted relative paths with '/' */
function filesUnder(dir) {
	/** @type {string[]} */
	const out = [];
	const walk = (/** @type {string} */ d) => {
		for (const entry of readdirSync(d, { withFileTypes: true })) {
			const path = join(d, entry.name);
			if (entry.isDirectory()) walk(path);
			else if (entry.isFile()) out.push(relative(dir, path).split(sep).join('/'));
		}
	};
	walk(dir);
	return out.sort();
}

/**
 * A block's bytes: interface-blockstore 7 may hand them out as a stream of chunks.
 * @param {unknown} got
 * @returns {Promise<Uint8Array>}
 */
async function blockBytes(got) {
	const value = await got;
	if (value instanceof Uint8Array) return value;
	const chunks = [];
	for await (const c of /** @type {AsyncIterable<Uint8Array>} */ (value)) chunks.push(c);
	return Buffer.concat(chunks);
}

/**
 * Packs every file under `dir` into one UnixFS directory and returns its root CID and the CAR
 * bytes (CARv1, the root first, every block once, depth-first).
 * @param {string} dir
 * @returns {Promise<{ cid: string, car: Uint8Array, files: number }>}
 */
export async function packDirectory(dir) {
	if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new PublishError(`${dir} is not a directory: build the site first (npm run build)`);
	const files = filesUnder(dir);
	if (files.length === 0) throw new PublishError(`${dir} is empty: build the site first (npm run build)`);
	const [{ MemoryBlockstore }, { unixfs }, { CarWriter }, dagPb, { CID }] = await Promise.all([
		import('blockstore-core'),
		import('@helia/unixfs'),
		import('@ipld/car'),
		import('@ipld/dag-pb'),
		import('multiformats/cid')
	]);
	const blockstore = new MemoryBlockstore();
	// @helia/unixfs needs only a blockstore to import into.
	const fs = unixfs({ blockstore: /** @type {never} */ (blockstore) });
	const source = files.map((path) => ({ path, content: readFileSync(join(dir, path)) }));
	let root;
	for await (const entry of fs.addAll(source, { cidVersion: 1, rawLeaves: true, wrapWithDirectory: true })) root = entry.cid;
	if (!root) throw new PublishError('nothing was imported');

	const { writer, out } = CarWriter.create([root]);
	const chunks = /** @type {Uint8Array[]} */ ([]);
	const collecting = (async () => {
		for await (const chunk of out) chunks.push(chunk);
	})();
	const seen = new Set();
	const visit = async (/** @type {import('multiformats/cid').CID} */ cid) => {
		const key = cid.toString();
		if (seen.has(key)) return;
		seen.add(key);
		const bytes = await blockBytes(blockstore.get(cid));
		await writer.put({ cid, bytes });
		if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) await visit(CID.asCID(link.Hash) ?? CID.decode(link.Hash.bytes));
	};
	await visit(root);
	await writer.close();
	await collecting;
	const car = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
	let at = 0;
	for (const c of chunks) {
		car.set(c, at);
		at += c.length;
	}
	return { cid: root.toString(), car, files: files.length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const argv = process.argv.slice(2);
	const arg = (/** @type {string} */ flag) => {
		const i = argv.indexOf(flag);
		return i >= 0 ? argv[i + 1] : undefined;
	};
	try {
		const dir = resolve(arg('--dir') ?? join(ROOT, 'build'));
		const out = resolve(arg('--out') ?? 'carevault-site.car');
		if (!argv.includes('--no-build')) {
			// The build's own output goes to stderr: stdout carries only the CID.
			const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
			if (built.status !== 0) throw new PublishError('npm run build failed');
		}
		const config = arg('--config');
		if (config) {
			const configured = spawnSync(process.execPath, [join(ROOT, 'scripts/configure-site.mjs'), config, dir], { stdio: ['ignore', 2, 2] });
			if (configured.status !== 0) throw new PublishError(`configure-site.mjs ${config} failed`);
		}
		const endpoint = pinningEndpoint(argv, arg, config);
		const { cid, car, files } = await packDirectory(dir);
		writeFileSync(out, car);
		console.error(`Packed ${files} files into ${out} (${(car.length / 1048576).toFixed(2)} MiB).`);
		if (!endpoint) console.error(`Import it into an IPFS node or pinning service (ipfs dag import ${out}), then point DNSLink at the CID:`);
		console.log(cid);
		if (endpoint) {
			const timeout = Number(arg('--pin-timeout') ?? 300);
			if (!(timeout > 0)) throw new PublishError('--pin-timeout must be a number of seconds above 0');
			try {
				const pinned = await pinSite({
					endpoint,
					token: process.env.CAREVAULT_PINNING_TOKEN ?? '',
					cid,
					car,
					timeoutMs: timeout * 1000,
					log: (line) => console.error(line)
				});
				console.error(`Pinned ${cid} at ${endpoint} (request ${pinned.requestid}${pinned.already ? ', pinned before' : ''}). Point DNSLink at /ipfs/${cid}.`);
			} catch (err) {
				console.error(`${err instanceof Error ? err.name : 'Error'}: ${err instanceof Error ? err.message : String(err)}`);
				console.error(`The CAR is in ${out}; the site is not pinned.`);
				process.exit(2);
			}
		}
	} catch (err) {
		console.error(`${err instanceof Error ? err.name : 'Error'}: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(1);
	}
}

/**
 * The Pinning Service API endpoint to pin on, or null: --no-pin wins, then --pinning-endpoint,
 * then CAREVAULT_PINNING_ENDPOINT, then the network config's `pinning.endpoint`.
 * @param {string[]} argv @param {(flag: string) => string | undefined} arg @param {string | undefined} configPath
 * @returns {string | null}
 */
function pinningEndpoint(argv, arg, configPath) {
	if (argv.includes('--no-pin')) return null;
	const given = arg('--pinning-endpoint') ?? process.env.CAREVAULT_PINNING_ENDPOINT;
	if (given) return given;
	if (!configPath) return null;
	let parsed;
	try {
		parsed = JSON.parse(readFileSync(configPath, 'utf8'));
	} catch (err) {
		throw new PublishError(`${configPath} could not be read as JSON (${err instanceof Error ? err.message : err})`);
	}
	const endpoint = parsed?.pinning?.endpoint;
	return typeof endpoint === 'string' && endpoint !== '' ? endpoint : null;
}
