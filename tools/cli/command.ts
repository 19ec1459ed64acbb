import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Cli } from './cli.js';
import { UsageError } from './usage-error.js';

/** Options every command takes. */
const commonOptions = {
  help: { type: 'boolean', short: 'h', default: false },
  'no-env-file': { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O & typeof commonOptions; allowPositionals: true; strict: true }>>;

/** One command of `billing`: its words, its help and what it does with the parsed arguments. */
export interface Command<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  /** The words that select it, e.g. `keys create`. */
  name: string;
  /** Positional arguments for the usage line, e.g. `ID`. */
  args?: string;
  summary: string;
  /** Option lines and notes shown by `--help`. */
  help: string;
  options: O;
  /** How many positional arguments it takes. @defaultValue [0, 0] */
  positionals?: readonly [min: number, max: number];
  run: (parsed: Parsed<O>, cli: Cli) => Promise<void>;
}

/** Keeps each command's option types while collecting them in one list. */
export function defineCommand<O extends ParseArgsOptionsConfig>(command: Command<O>): Command {
  return command as unknown as Command;
}

export function commandUsage(command: Command): string {
  const usage = `usage: npm run billing -- ${command.name}${command.args ? ` ${command.args}` : ''} [options]`;
  const help = command.help.trim() ? `${command.help.trimEnd()}\n\n` : '';
  return `${usage}\n\n${command.summary}\n\n${help}options:\n  -h, --help              this help\n      --no-env-file       ignore .local/env\n`;
}

/**
 * Parses strictly (an unknown option or a missing value is a usage error, exit 2); `--help`
 * prints the command's help on stdout and runs nothing.
 */
export async function runCommand(command: Command, args: string[], cli: Cli): Promise<void> {
  let parsed: Parsed<ParseArgsOptionsConfig>;
  try {
    parsed = parseArgs({ args, options: { ...command.options, ...commonOptions }, allowPositionals: true, strict: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(`${error.message}\n${commandUsage(command).split('\n')[0]} (see --help)`);
    }
    throw error;
  }
  if (parsed.values.help) {
    cli.stdout.write(commandUsage(command));
    return;
  }
  const [min, max] = command.positionals ?? [0, 0];
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const what = parsed.positionals.length < min ? `missing ${command.args ?? 'argument'}` : `unexpected argument '${parsed.positionals[max] ?? ''}'`;
    throw new UsageError(`${command.name}: ${what}\n${commandUsage(command).split('\n')[0]} (see --help)`);
  }
  cli.useEnvFile = !parsed.values['no-env-file'];
  await command.run(parsed, cli);
}
