import { loadConfigOrExit } from '../../shared/config.js';
import { keys } from './commands/keys.js';
import { migrate } from './commands/migrate.js';
import { reconcile } from './commands/reconcile.js';
import { trigger } from './commands/trigger.js';
import { UsageError } from './usage-error.js';

const commands: Record<string, (args: string[]) => Promise<void>> = {
  migrate: (args) => migrate(loadConfigOrExit(), args),
  keys: (args) => keys(loadConfigOrExit(), args),
  reconcile: (args) => reconcile(loadConfigOrExit(), args),
  trigger: (args) => trigger(args),
};

const help = `usage: npm run billing -- <command>
  migrate [--dry-run] [--allow-long-locks]  apply pending database migrations (--dry-run: print what they
                                            would do and lock); refuses long table locks unless allowed
  keys create --name N --scope read|write|admin [--read-only]
                                            create an API key (printed once on stdout)
  keys list                                 list keys (never the secrets)
  keys revoke ID                            revoke a key
  reconcile [--customer cus_…|USER_ID] [--since DATE] [--detach]
                                            repair drift between Stripe and the mirror (a worker runs it; progress is shown)
  trigger SCENARIO [--sim URL] [--user ID] [--wait]
                                            play a scenario on a running Stripe simulator (subscription.lifecycle, refund, …)
`;

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(help);
  process.exit(name ? 2 : 0);
}
try {
  await command(args);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
