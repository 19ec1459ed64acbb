import test from 'ava';
import { createDb } from '../../shared/infra/db.js';
import { createTestDatabase } from '../support/database.js';
import { childEnv, runScript } from '../support/processes.js';

const cli = 'tools/cli/main.ts';
// No Stripe or Redis settings: commands that only talk to the database must not need them.
const bare = (extra: Record<string, string> = {}) => childEnv({ NODE_ENV: 'test', ...extra });

const commands = [['migrate'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['reconcile'], ['trigger'], ['config', 'check']];

test('--help prints on stdout and exits 0, for the tool and every command, without any setting', async (t) => {
  const top = await runScript(cli, ['--help'], bare());
  t.is(top.code, 0, top.stderr);
  t.regex(top.stdout, /^usage: npm run billing -- <command>/);
  t.regex(top.stdout, /Scenarios for trigger: subscription\.lifecycle/);
  const results = await Promise.all(commands.map((words) => runScript(cli, [...words, '--help'], bare())));
  for (const [i, words] of commands.entries()) {
    const result = results[i];
    t.is(result.code, 0, `${words.join(' ')} --help: ${result.stderr}`);
    t.is(result.stderr, '', words.join(' '));
    t.true(result.stdout.startsWith(`usage: npm run billing -- ${words.join(' ')}`), words.join(' '));
  }
  const group = await runScript(cli, ['keys', '--help'], bare());
  t.is(group.code, 0);
  t.regex(group.stdout, /keys create[\s\S]*keys list[\s\S]*keys revoke/);
});

test('--help runs nothing: migrate --help leaves the database empty, revoke --help revokes nothing', async (t) => {
  const created = await createTestDatabase();
  t.teardown(() => created.drop());
  const db = createDb({ url: created.url, poolMax: 1 });
  t.teardown(() => db.destroy());
  await db.raw('DROP TABLE IF EXISTS knex_migrations CASCADE');
  const help = await runScript(cli, ['migrate', '--help'], bare({ DATABASE_URL: created.url }));
  t.is(help.code, 0);
  t.false((await db.schema.hasTable('knex_migrations')), 'no migration ran');
  const revoke = await runScript(cli, ['keys', 'revoke', '--help'], bare({ DATABASE_URL: created.url }));
  t.is(revoke.code, 0);
  t.notRegex(revoke.stderr, /no active key/);
});

test('usage mistakes exit 2 on stderr with a pointer to --help', async (t) => {
  const cases: [string[], RegExp][] = [
    [['nope'], /unknown command 'nope'/],
    [['keys'], /keys: missing subcommand/],
    [['keys', 'list', '--bogus'], /Unknown option '--bogus'[\s\S]*see --help/],
    [['keys', 'revoke'], /missing ID/],
    [['keys', 'revoke', 'a', 'b'], /unexpected argument 'b'/],
    [['keys', 'create', '--name'], /--name/],
    [['migrate', 'extra'], /unexpected argument 'extra'/],
  ];
  const results = await Promise.all(cases.map(([args]) => runScript(cli, args, bare({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }))));
  for (const [i, [args, message]] of cases.entries()) {
    const result = results[i];
    t.is(result.code, 2, args.join(' '));
    t.is(result.stdout, '', args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
  }
});

test('keys work with only DATABASE_URL: list is a table with headers (no colour off a terminal) or JSON', async (t) => {
  const created = await createTestDatabase();
  t.teardown(() => created.drop());
  const env = bare({ DATABASE_URL: created.url });
  const empty = await runScript(cli, ['keys', 'list'], env);
  t.is(empty.code, 0, empty.stderr);
  t.is(empty.stdout, '');
  t.regex(empty.stderr, /no keys yet/);
  const made = await runScript(cli, ['keys', 'create', '--name', 'ops team', '--scope', 'admin', '--read-only'], env);
  t.is(made.code, 0, made.stderr);
  const listed = await runScript(cli, ['keys', 'list'], { ...env, FORCE_COLOR: '0' });
  const [header, row] = listed.stdout.trimEnd().split('\n');
  t.regex(header ?? '', /^ID\s+PREFIX\s+SCOPE\s+STATE\s+CREATED \(UTC\)\s+NAME$/);
  t.regex(row ?? '', /^[0-9a-f-]{36}\s+bk_admin_\S+…\s+admin \(read-only\)\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+ops team$/);
  t.false(listed.stdout.includes('\u001b['), 'no escape codes in a pipe');
  t.is((header ?? '').indexOf('NAME'), (row ?? '').indexOf('ops team'), 'columns line up');
  const json = await runScript(cli, ['keys', 'list', '--json'], env);
  const records = JSON.parse(json.stdout) as { name: string; scope: string; read_only: boolean }[];
  t.like(records[0], { name: 'ops team', scope: 'admin', read_only: true });
});
