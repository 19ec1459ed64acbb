import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from './processes.js';
import { inheritedEnvironment } from './environment.js';

/**
 * Browser checks run in Debian's chromium, driven by playwright-core (the driver only: it
 * downloads no browser of its own). `tools/browser.sh ensure` finds it, or installs it as root.
 */

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

/** Headless Chromium from `executablePath` on a fresh profile; `close()` ends it and deletes the profile. */
export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic'] });
}

/** Waits until the page's text contains every string; fails naming what it shows instead. */
export async function waitForText(page: Page, expected: string[], ms = 20_000): Promise<string> {
  try {
    // A function, not a string: a string would be eval'd in the page, which a strict CSP refuses. It
    // runs in the page, so it names the page's globals itself (this project's TypeScript has no DOM types).
    await page.waitForFunction((values) => {
      const { document } = globalThis as unknown as { document: { body: { innerText: string } | null } };
      return values.every((value) => document.body?.innerText.includes(value));
    }, expected, { timeout: ms, polling: 200 });
  } catch (error) {
    const shown = await page.evaluate<string>('location.href + " " + (document.body ? document.body.innerText : "")').catch(() => '');
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`the page never showed ${expected.join(', ')} (${why}); it shows: ${shown.slice(0, 600)}`, { cause: error });
  }
  return pageText(page);
}

/** The text the page shows. */
export const pageText = (page: Page) => page.evaluate<string>('document.body.innerText');
