import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { environmentWithFile, parseConfig, parseDatabaseConfig, parseOrExit, type Config, type DatabaseConfig } from '../../shared/infra/config.js';

/** The checkout this command line belongs to: the nearest folder above it with a package.json. */
function checkoutRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** What a command reaches outside its arguments: output streams and the settings. */
export interface Cli {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Read `.local/env` (the settings of the last `npm run local`) when run inside the checkout. */
  useEnvFile: boolean;
  /** Everything, Stripe included; exits 78 naming every missing or bad setting. */
  config: () => Config;
  /** Only the database settings (commands that talk to nothing else). */
  databaseConfig: () => DatabaseConfig;
  /** A setting of `.local/env` or the environment, unvalidated (defaults for options). */
  setting: (name: string) => string | undefined;
  root: string;
}

export function createCli(): Cli {
  const root = checkoutRoot();
  const inside = !path.relative(root, process.cwd()).startsWith('..');
  const environment = () => environmentWithFile(cli.useEnvFile && inside ? path.join(root, '.local', 'env') : undefined);
  const cli: Cli = {
    stdout: process.stdout,
    stderr: process.stderr,
    useEnvFile: true,
    root,
    config: () => parseOrExit(() => parseConfig(environment())),
    databaseConfig: () => parseOrExit(() => parseDatabaseConfig(environment())),
    setting: (name) => environment()[name],
  };
  return cli;
}
