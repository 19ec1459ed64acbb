import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inheritedEnvironment } from './environment.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `node --import tsx`: one process (the tsx binary runs the script in a child, which a SIGKILL would orphan). */
const nodeWithTsx = (script: string, args: string[] = []) => [process.execPath, ['--import', 'tsx', path.join(projectRoot, script), ...args]] as const;

/** Environment variables for a child process built from a test config-like record. */
export function childEnv(values: Record<string, string | number | readonly string[] | boolean | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inheritedEnvironment };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    env[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs a TypeScript entry point with tsx to completion. */
export async function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const [command, argv] = nodeWithTsx(script, args);
  const child = spawn(command, argv, { env, cwd: projectRoot });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Starts a long-running entry point; the caller stops it. Output is collected. */
export function startScript(script: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const [command, argv] = nodeWithTsx(script);
  const child = spawn(command, argv, { env, cwd: projectRoot });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return { child, output: () => output };
}

/**
 * Polls until `check` resolves true, or fails after `ms`. A check that throws counts as "not yet";
 * when the last one threw, the timeout's message carries that error (and `cause` the error itself).
 */
export async function eventually(check: () => Promise<boolean>, ms = 15_000, interval = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let lastError: unknown;
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError === undefined ? '' : `; the last check threw: ${lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : JSON.stringify(lastError)}`;
      throw new Error(`condition not met within ${ms} ms${detail}`, lastError === undefined ? undefined : { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A port nobody listens on right now (the OS picks it; closed again before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
