// `npm start`: the whole app on this machine. Builds the site when sources
// changed, starts (or reuses) anvil on 127.0.0.1:8545, deploys the contracts,
// starts a local IPFS peer, serves the site, and stops everything on Ctrl-C.
import { join } from 'node:path';
import { ANVIL_ACCOUNTS, DEMO_ATTESTER_INDEX, ROOT, buildIsStale, probeChain, runBuild, startStack } from './stack.mjs';

const HOST = '127.0.0.1';
const ANVIL_PORT = 8545;
const IPFS_PORT = 4003;
const IPFS_HTTP_PORT = 8090;
const APP_PORT = 5173;
const log = (line) => console.log(line);

async function main() {
	if (buildIsStale()) {
		log('Building the site (npm run build)…');
		await runBuild();
	}

	const anvilUrl = `http://${HOST}:${ANVIL_PORT}`;
	const existing = await probeChain(anvilUrl);
	if (existing !== null && existing !== 31337) {
		console.error(
			existing === 'other'
				? `Port ${ANVIL_PORT} on ${HOST} is in use by something that is not an Ethereum node. Stop it and run npm start again.`
				: `Port ${ANVIL_PORT} on ${HOST} runs a chain with id ${existing}, not the local anvil chain 31337. Stop it and run npm start again.`
		);
		process.exit(1);
	}
	if (existing === 31337) log(`Reusing the anvil chain already running at ${anvilUrl}.`);

	log('Starting the chain, contracts, IPFS peer and site…');
	const stack = await startStack({
		host: HOST,
		ports: { anvil: ANVIL_PORT, ipfs: IPFS_PORT, ipfsHttp: IPFS_HTTP_PORT, app: APP_PORT },
		// Git-ignored; blocks stay there between runs (the chain does not, see README).
		ipfsDataDir: join(ROOT, '.carevault', 'ipfs'),
		rpcUrl: existing === 31337 ? anvilUrl : undefined,
		writeConfig: true,
		appPortFallback: true,
		ipfsPortFallback: true,
		log
	});

	let stopping = false;
	const shutdown = async (signal) => {
		if (stopping) return;
		stopping = true;
		log(`\n${signal}: stopping…`);
		await stack.stop();
		log('Stopped.');
		process.exit(0);
	};
	process.on('SIGINT', () => void shutdown('SIGINT'));
	process.on('SIGTERM', () => void shutdown('SIGTERM'));

	const [account] = ANVIL_ACCOUNTS;
	const { config } = stack;
	log(`
Carevault is running.

  App            ${stack.url}
  Chain RPC      ${stack.rpcUrl}${stack.startedAnvil ? '' : ' (reused)'}
  Chain id       ${config.chainId} (${config.chainName})
  KeyRegistry    ${config.contracts.keyRegistry}
  VaultRegistry  ${config.contracts.vaultRegistry}
  IPFS peer      ${config.ipfsPeers.join('\n                 ')}
  IPFS gateway   ${config.gateways.join(' ')} (GET /ipfs/<cid>?format=raw|car; blocks in .carevault/ipfs)
  Pinning API    ${stack.pinning.endpoint}  token ${stack.pinning.token}
  EAS            ${config.contracts.eas} (provider schema ${config.providerSchemaUid})
  Demo attester  ${ANVIL_ACCOUNTS[DEMO_ATTESTER_INDEX].address} (trusted by this site)

  Providers show as "Unverified" until an attester the patient trusts vouches for them.
  To verify one as the demo attester:
    npm run attest -- --provider 0xPROVIDER --name "City Hospital Lab" --role lab --licence "NPI 123"

  MetaMask: add the network (RPC ${stack.rpcUrl}, chain id ${config.chainId}, symbol ETH)
  and import this test account (a public anvil key: never send real funds to it):
    address      ${account.address}
    private key  ${account.privateKey}

Press Ctrl-C to stop.`);
}

main().catch((err) => {
	console.error(`npm start failed: ${err?.stack ?? err}`);
	process.exit(1);
});
