import { pathToFileURL } from 'node:url';
import { entryScript } from './config.js';
import { unavailable } from '../errors.js';
import type { Logger } from './logger.js';

/**
 * The process contract: SIGTERM/SIGINT (PM2's default kill signal) and PM2's `shutdown` message
 * (`shutdown_with_message`) drain through `stop()` under a hard timeout shorter than PM2's
 * kill_timeout; an unknown error crashes the process (the process manager restarts it).
 */
export function runProcess(name: string, logger: Logger, stop: () => Promise<void>, timeoutMs: number): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${name} stopping`, { signal });
    const timer = setTimeout(() => {
      logger.error(`${name} did not stop within ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => { logger.info(`${name} stopped`); process.exit(0); },
      (error: unknown) => { logger.error(`${name} stop failed`, { error }); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('message', (message) => { if (message === 'shutdown') shutdown('shutdown message'); });
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection; crashing so the process manager restarts a clean process', { error: reason });
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception; crashing so the process manager restarts a clean process', { error });
    process.exit(1);
  });
}

/**
 * Tells the process manager this process is ready (`process.send('ready')`, PM2's `wait_ready`)
 * once `isReady` first answers true, checking every `everyMs`. A reload waits for this before it
 * stops the old process, so it must mean "can serve", not "has started". Without a process
 * manager (no IPC channel) it only logs.
 */
export async function signalReadyWhen(isReady: () => Promise<boolean>, logger: Logger, everyMs = 200): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    if (await isReady().catch(() => false)) break;
    if (attempt === 1) logger.warn('not ready yet; waiting before telling the process manager');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  if (process.send) process.send('ready');
  logger.info('ready');
}

/** Resolves with the value, or rejects after `ms` (readiness checks must not hang). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable('timed_out', `${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = entryScript();
  return script !== undefined && (moduleUrl === pathToFileURL(script).href || moduleUrl.replace(/\.ts$/, '.js') === pathToFileURL(script).href);
}
