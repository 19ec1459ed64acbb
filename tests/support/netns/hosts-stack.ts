import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createKey } from '../../../shared/api-keys.js';
import type { Config } from '../../../shared/infra/config.js';
import { createDb, type Db } from '../../../shared/infra/db.js';
import { catalogFile, testCatalog } from '../catalog.js';
import { testConfig } from '../config.js';
import { childEnv, eventually, projectRoot } from '../processes.js';
import { startDataHost, type DataHost } from './data-host.js';
import { HostNetwork, type Host } from './network.js';
import { requestVia } from './unix-http.js';

/** A process on a host, its output kept for a failure's report. */
export interface HostProcess { host: Host; child: ChildProcess; output: () => string }

export interface HostsStack {
  network: HostNetwork;
  data: DataHost;
  config: Config;
  /** The test's own connection to the data host's Postgres (Unix socket). */
  db: Db;
  readKey: string;
  apis: HostProcess[];
  workers: HostProcess[];
  /** Unix sockets reaching, from this namespace, each api's port, each worker's metrics port and the simulator. */
  sockets: { apis: string[]; workerMetrics: string[]; sim: string };
  /** The simulator's secret key for the test's own calls (it meets no bad weather). */
  simKey: string;
  close: () => Promise<void>;
}

/** The key the service calls Stripe with: the simulator answers it slowly, so jobs are in flight when a host is cut. */
const serviceKey = 'sk_test_hosts_service';
const simPort = 12111;
const seed = path.join(projectRoot, 'tools/stripe-sim/seed.json');
const nodeWithTsx = (script: string) => [process.execPath, ['--import', 'tsx', path.join(projectRoot, script)]] as const;

function startNode(network: HostNetwork, host: Host, script: string, args: string[], env: NodeJS.ProcessEnv): HostProcess {
  const [command, argv] = nodeWithTsx(script);
  const child = network.spawn(host, command, [...argv, ...args], env);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { host, child, output: () => output.slice(-6000) };
}

async function answers(socket: string, urlPath: string): Promise<boolean> {
  return (await requestVia(socket, { path: urlPath, timeoutMs: 2000 })).status === 200;
}

/**
 * Seven hosts on one private segment: `data` (Redis and Postgres), `stripe` (the simulator),
 * `api1`/`api2` (`api/main.ts`), `wk1`/`wk2` (`workers/main.ts`), and `client`, where the
 * forwarders the test reaches the others through run. Every process is real and runs inside its
 * host's namespace; the services reach each other by address over the segment only.
 */
export async function startHostsStack(overrides: Record<string, string>): Promise<HostsStack> {
  const network = new HostNetwork();
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await network.destroy();
  };
  try {
    await network.create();
    const [dataHost, stripeHost, api1, api2, wk1, wk2, client] = [
      await network.add('data', 2), await network.add('stripe', 3), await network.add('api1', 11), await network.add('api2', 12),
      await network.add('wk1', 21), await network.add('wk2', 22), await network.add('client', 100),
    ] as [Host, Host, Host, Host, Host, Host, Host];
    const data = await startDataHost(network, dataHost);
    cleanups.push(data.stop);
    const db = createDb({ url: data.localDatabaseUrl, poolMax: 4 });
    cleanups.push(() => db.destroy());

    const socketDir = await mkdtemp(path.join(os.tmpdir(), 'netns-sockets-'));
    cleanups.push(() => rm(socketDir, { recursive: true, force: true }));
    const sockets = {
      apis: [path.join(socketDir, 'api1.sock'), path.join(socketDir, 'api2.sock')],
      workerMetrics: [path.join(socketDir, 'wk1.sock'), path.join(socketDir, 'wk2.sock')],
      sim: path.join(socketDir, 'sim.sock'),
    };
    const forwards = [
      `${sockets.apis[0]}=${api1.address}:3000`, `${sockets.apis[1]}=${api2.address}:3000`,
      `${sockets.workerMetrics[0]}=${wk1.address}:9464`, `${sockets.workerMetrics[1]}=${wk2.address}:9464`,
      `${sockets.sim}=${stripeHost.address}:${simPort}`,
    ];
    const env = childEnv({});
    const forwarder = startNode(network, client, 'tests/support/netns/forwarder.ts', forwards, env);
    const sim = startNode(network, stripeHost, 'tools/stripe-sim/main.ts', [
      '--port', String(simPort), '--host', stripeHost.address, '--quiet', '--seed', seed,
      '--api-slow-percent', '100', '--api-slow-ms', '200', '--api-weather-key', serviceKey,
    ], childEnv({ NODE_ENV: 'production' }));

    const config = testConfig(data.databaseUrl, {
      REDIS_URL: data.redisUrl, STRIPE_SECRET_KEY: serviceKey, STRIPE_API_BASE: `http://${stripeHost.address}:${simPort}`,
      CATALOG_FILE: catalogFile(testCatalog), PORT: '3000', METRICS_PORT: '9464',
      // A host cut off mid-transaction holds its row locks until Postgres ends its session: the service asks for that after 5 s here.
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000', ...overrides,
    });
    const serviceEnv = childEnv({ ...config });
    const apis = [api1, api2].map((host) => startNode(network, host, 'api/main.ts', [], serviceEnv));
    const workers = [wk1, wk2].map((host) => startNode(network, host, 'workers/main.ts', [], serviceEnv));
    const readKey = (await createKey(db, { name: 'hosts-reads', scope: 'read' })).key;
    const everyone = [forwarder, sim, ...apis, ...workers];
    try {
      await eventually(async () => (await answers(sockets.sim, '/_sim/health'))
        && (await Promise.all(sockets.apis.map((socket) => answers(socket, '/readyz')))).every(Boolean)
        && (await Promise.all(sockets.workerMetrics.map((socket) => answers(socket, '/readyz')))).every(Boolean), 90_000, 250);
    } catch (error) {
      const exits = everyone.map((each) => `${each.host.name}: ${each.child.exitCode ?? each.child.signalCode ?? 'running'}\n${each.output()}`);
      throw new Error(`the hosts did not come up: ${(error as Error).message}\n${exits.join('\n')}`, { cause: error });
    }
    return { network, data, config, db, readKey, apis, workers, sockets, simKey: 'sk_test_hosts_seed', close };
  } catch (error) {
    await close();
    throw error;
  }
}
