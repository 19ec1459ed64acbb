import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, projectRoot } from './processes.js';
import { inheritedEnvironment } from './environment.js';

const pm2Binary = path.join(projectRoot, 'node_modules', 'pm2', 'bin', 'pm2');

export interface Pm2Cluster {
  /** Runs one `pm2` command against this cluster's own daemon; rejects with its output unless it exits 0. */
  run: (...args: string[]) => Promise<string>;
  /** Stops every process and the daemon, and removes PM2_HOME. */
  kill: () => Promise<void>;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port p with p + 1 free too: PM2's `increment_var` gives instance i the port p + i. */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && await listens(port + 1)) return port;
  }
}

/**
 * The project's own `ecosystem.config.cjs` under a PM2 daemon of its own (a fresh PM2_HOME), with
 * `env` for every process. With `source`, the entry points run as TypeScript through tsx instead
 * of from dist/; every other setting (cluster mode, wait_ready, timeouts) is the file's.
 */
export async function startPm2Cluster(env: Record<string, string>, options: { source: boolean }): Promise<Pm2Cluster> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'billing-pm2-'));
  const ecosystem = path.join(home, 'ecosystem.config.cjs');
  await writeFile(ecosystem, [
    `const { apps } = require(${JSON.stringify(path.join(projectRoot, 'ecosystem.config.cjs'))});`,
    `const source = ${JSON.stringify(options.source)};`,
    'module.exports = { apps: apps.map((app) => ({',
    `  ...app, cwd: ${JSON.stringify(projectRoot)},`,
    "  ...(source && { script: app.script.replace(/^dist\\//, '').replace(/\\.js$/, '.ts'), node_args: ['--import', 'tsx'] }),",
    '})) };',
    '',
  ].join('\n'));
  const processEnv = { ...inheritedEnvironment, ...env, PM2_HOME: home };
  const run = (...args: string[]) => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [pm2Binary, ...args], { cwd: projectRoot, env: processEnv });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`pm2 ${args.join(' ')} exited ${code}:\n${output}`))));
  });
  const kill = async () => {
    await run('kill').catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  };
  try {
    await run('start', ecosystem);
  } catch (error) {
    await kill();
    throw error;
  }
  return { run, kill };
}

/** `pm2 jlist`: each process's name and status. */
export async function processStates(cluster: Pm2Cluster): Promise<{ name: string; status: string; pid: number }[]> {
  const list = JSON.parse(await cluster.run('jlist')) as { name: string; pid: number; pm2_env: { status: string } }[];
  return list.map((entry) => ({ name: entry.name, status: entry.pm2_env.status, pid: entry.pid }));
}
