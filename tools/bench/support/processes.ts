import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inheritedEnvironment, serviceNodeOptions } from './environment.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let built = false;

/**
 * Compiles the project once per benchmark process (`npm run build`'s tsc), so every measured
 * process runs what production runs: plain JavaScript from dist/, no TypeScript loader and no
 * source-map translation of stack traces (which tsx turns on, and which costs on every Error).
 */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'inherit' });
  built = true;
}

/**
 * Starts an entry point (`api/main.ts`, …) in its own process, compiled, so the load generator
 * does not share its event loop; `child.pid` is the server itself. With `source`, the TypeScript
 * runs through tsx instead (tests, which must not wait for a build).
 */
export function startChild(script: string, args: string[], env: Record<string, string>, options: { source?: boolean } = {}): { child: ChildProcess; output: () => string } {
  if (!options.source) ensureBuilt();
  const entry = options.source ? ['--import', 'tsx', path.join(projectRoot, script)] : [path.join(projectRoot, 'dist', script.replace(/\.ts$/, '.js'))];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: projectRoot, env: { ...inheritedEnvironment, ...(serviceNodeOptions && { NODE_OPTIONS: serviceNodeOptions }), ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { child, output: () => output };
}

/** CPU time (user + system) a process has used so far, in ms (Linux: /proc/<pid>/stat, 100 ticks per second). */
export async function cpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU used so far (ms) by the given processes, Postgres and Redis together, this process and the whole machine. */
export async function cpuByProcess(pids: Record<string, number | undefined>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = await cpuMs(pid);
  let services = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
    if (/^(postgres|redis-server)/.test(command)) services += (await cpuMs(Number(entry))) || 0;
  }
  out.services = services;
  const usage = process.cpuUsage();
  out.generator = (usage.user + usage.system) / 1000;
  // /proc/stat's first line: user nice system idle iowait irq softirq … in 1/100 s.
  const ticks = (await readFile('/proc/stat', 'utf8')).split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  out.machine = ((ticks[0] ?? 0) + (ticks[1] ?? 0) + (ticks[2] ?? 0) + (ticks[5] ?? 0) + (ticks[6] ?? 0)) * 10;
  return out;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Polls a URL until it answers `status`, or throws after `ms` (with the child's output, to say why). */
export async function waitForHttp(url: string, status: number, output: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).status === status) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${status} within ${ms} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
