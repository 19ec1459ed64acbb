import { scenarioNames } from '../stripe-sim/scenarios.js';
import { createCli } from './cli.js';
import { runCommand, type Command } from './command.js';
import { configCheck } from './commands/config.js';
import { keysCreate, keysList, keysRevoke } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { reconcileCommand } from './commands/reconcile.js';
import { triggerCommand } from './commands/trigger.js';
import { usageAdjust, usageDrift, usageLedger } from './commands/usage.js';
import { UsageError } from './usage-error.js';

const commands: Command[] = [migrateCommand, keysCreate, keysList, keysRevoke, reconcileCommand, triggerCommand, usageAdjust, usageLedger, usageDrift, configCheck];

const help = `usage: npm run billing -- <command> [options]

Commands:
${commands.map((command) => `  ${`${command.name}${command.args ? ` ${command.args}` : ''}`.padEnd(22)}${command.summary.split('\n')[0]}`).join('\n')}

Scenarios for trigger: ${scenarioNames.join(', ')}

Settings come from the environment. Inside this checkout, what the last \`npm run local\` wrote to
.local/env fills in what the environment leaves unset (--no-env-file ignores it). keys and migrate
need only DATABASE_URL.

Examples:
  KEY=$(npm run -s billing -- keys create --name ops --scope admin)
  npm run billing -- keys list
  npm run billing -- trigger refund --wait
  npm run billing -- reconcile --customer cus_…

\`npm run billing -- <command> --help\` shows a command's options.
`;

/** The command named by the leading words of `argv` (`keys list …`), and the rest. */
function findCommand(argv: string[]): { command?: Command; rest: string[] } {
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return { rest: argv };
}

async function main(argv: string[]): Promise<void> {
  const cli = createCli();
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && argv.length > 1) return main([...argv.slice(1), '--help']);
    process.stdout.write(help);
    return;
  }
  const { command, rest } = findCommand(argv);
  if (command) return runCommand(command, rest, cli);
  const group = commands.filter((candidate) => candidate.name.startsWith(`${first} `));
  if (group.length > 0) {
    const list = group.map((candidate) => `  npm run billing -- ${candidate.name}${candidate.args ? ` ${candidate.args}` : ''}    ${candidate.summary.split('\n')[0]}`).join('\n');
    if (argv[1] === '--help' || argv[1] === '-h') {
      process.stdout.write(`usage:\n${list}\n`);
      return;
    }
    throw new UsageError(`${first}: ${argv[1] === undefined ? 'missing' : `unknown`} subcommand${argv[1] === undefined ? '' : ` '${argv[1]}'`}\nusage:\n${list}`);
  }
  throw new UsageError(`unknown command '${first}' (npm run billing -- --help lists them)`);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
