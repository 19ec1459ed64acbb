import { pathToFileURL } from 'node:url';
import { entryScript } from './config.js';
import type { Logger } from './logger.js';

/**
 * The process contract: SIGTERM/SIGINT drain through `stop()` under a hard timeout shorter than
 * PM2's kill_timeout; an unknown error crashes the process (the process manager restarts it).
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
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection; crashing so the process manager restarts a clean process', { error: reason });
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception; crashing so the process manager restarts a clean process', { error });
    process.exit(1);
  });
}

/** Resolves with the value, or rejects after `ms` (readiness checks must not hang). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = entryScript();
  return script !== undefined && (moduleUrl === pathToFileURL(script).href || moduleUrl.replace(/\.ts$/, '.js') === pathToFileURL(script).href);
}
