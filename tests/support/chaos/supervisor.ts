import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startScript } from '../processes.js';

/**
 * Runs one entry point as a child process and, like PM2, starts it again when it exits. Exits the
 * test asked for (`kill`) are planned; any other exit is counted as unplanned, so a crash shows up
 * in the run's figures instead of silently stalling it.
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #output = '';
  #current: () => string = () => '';
  #planned = false;
  #stopped = false;
  unplannedExits = 0;

  constructor(readonly script: string, private readonly env: NodeJS.ProcessEnv) {
    this.#spawn();
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last 20,000 characters the process (and its predecessors) printed. */
  output(): string {
    return (this.#output + this.#current()).slice(-20_000);
  }

  /** Sends `signal`, waits for the exit, then starts a fresh process. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#planned = true;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** Stops for good: SIGTERM (a graceful drain, which also writes coverage), SIGKILL after `ms`. */
  async stop(ms = 8000): Promise<void> {
    this.#stopped = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }

  #spawn(): void {
    const { child, output } = startScript(this.script, this.env);
    this.#child = child;
    this.#current = output;
    child.on('exit', (code, signal) => {
      this.#output += `${output()}\n[${this.script} pid ${String(child.pid)} exited: ${String(signal ?? code)}]\n`;
      this.#current = () => '';
      if (this.#stopped) return;
      if (!this.#planned) this.unplannedExits += 1;
      this.#planned = false;
      this.#spawn();
    });
  }
}
