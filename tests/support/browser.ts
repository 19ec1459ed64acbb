import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './processes.js';
import { inheritedEnvironment } from './environment.js';

/**
 * A headless Chromium driven over the DevTools protocol with Node's own WebSocket: no npm packages.
 * `tools/browser.sh ensure` installs Debian's chromium when it is missing (as root).
 */

const flags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--remote-debugging-port=0', '--window-size=1280,900',
];

/** The browser's path, or undefined when there is none and it cannot be installed. */
export async function findBrowser(): Promise<string | undefined> {
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn('bash', [path.join(projectRoot, 'tools', 'browser.sh'), 'ensure'], { env: { ...inheritedEnvironment } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('exit', (exitCode) => resolve({ code: exitCode, stdout: out }));
  });
  return code === 0 ? stdout.trim().split('\n').at(-1) : undefined;
}

type Json = Record<string, unknown>;
interface Message { id?: number; method?: string; params?: Json; result?: Json; error?: { message: string } }

/** One page target over one WebSocket: `send` a command, `on` an event. */
export class Page {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: Json) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Map<string, ((params: Json) => void)[]>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method) {
        for (const listener of this.listeners.get(message.method) ?? []) listener(message.params ?? {});
      }
    });
  }

  static async connect(url: string): Promise<Page> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
    return new Page(socket);
  }

  send(method: string, params: Json = {}): Promise<Json> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  on(method: string, listener: (params: Json) => void): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  /** Evaluates an expression in the page and returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result } = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } };
    return result.value;
  }

  close(): void {
    this.socket.close();
  }
}

export interface Browser { newPage: () => Promise<Page>; close: () => Promise<void> }

/** Starts Chromium on a fresh profile; `close` stops it and deletes the profile. */
export async function launchBrowser(executable: string): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'billing-chromium-'));
  const child: ChildProcess = spawn(executable, [...flags, `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${output}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1]) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`chromium exited: ${output}`)); });
  });
  const http = new URL(endpoint);
  const base = `http://${http.host}`;
  return {
    newPage: async () => {
      const response = await fetch(`${base}/json/new?about:blank`, { method: 'PUT' });
      const target = (await response.json()) as { webSocketDebuggerUrl: string };
      return Page.connect(target.webSocketDebuggerUrl);
    },
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
