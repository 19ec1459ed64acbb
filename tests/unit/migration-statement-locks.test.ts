import test from 'ava';
import { estimatedLockMs, statementLock, type LockKind } from '../../tools/cli/migrate-locks.js';

// The SQL knex's schema builder writes for Postgres, and the hand-written forms an expand/contract step uses.
const cases: [sql: string, table: string | undefined, kind: LockKind, scans: boolean][] = [
  ['create table "widgets" ("id" uuid primary key)', 'widgets', 'instant', false],
  ['create index "audit_log_actor_index" on "audit_log" ("actor")', 'audit_log', 'writes', true],
  ['create unique index "x" on "customers" ("email")', 'customers', 'writes', true],
  ['create index concurrently "audit_log_actor_index" on "audit_log" ("actor")', 'audit_log', 'instant', false],
  ['alter table "customers" add column "nickname" text', 'customers', 'instant', false],
  ["alter table \"customers\" add column \"tier\" text not null default 'free'", 'customers', 'instant', false],
  ['alter table "customers" add column "token" uuid default gen_random_uuid()', 'customers', 'all', true],
  ['alter table "customers" alter column "email" type varchar(320) using ("email"::varchar(320))', 'customers', 'all', true],
  ['alter table "customers" alter column "email" set not null', 'customers', 'all', true],
  ['alter table "customers" alter column "email" drop not null', 'customers', 'instant', false],
  ['alter table "grants" add constraint "grants_customer_id_foreign" foreign key ("customer_id") references "customers" ("id")', 'grants', 'writes', true],
  ['alter table "grants" add constraint "grants_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") not valid', 'grants', 'instant', false],
  ['alter table "grants" add constraint "grants_feature_check" check (feature <> \'\')', 'grants', 'all', true],
  ['alter table "customers" add constraint "customers_email_unique" unique ("email")', 'customers', 'all', true],
  ['alter table "customers" add constraint "customers_email_unique" unique using index "customers_email_idx"', 'customers', 'instant', false],
  ['alter table "customers" drop column "nickname"', 'customers', 'instant', false],
  ['drop table if exists "widgets"', 'widgets', 'instant', false],
  ['update "customers" set "tier" = \'free\'', 'customers', 'rows', true],
  ['update "customers" set "tier" = \'free\' where "id" = ?', 'customers', 'rows', false],
  ['select 1', undefined, 'instant', false],
];

for (const [sql, table, kind, scans] of cases) {
  test(`${sql} → ${kind}${scans ? ', for a pass over the table' : ''}`, (t) => {
    const lock = statementLock(sql);
    t.is(lock.table, table);
    t.is(lock.kind, kind);
    t.is(lock.scansTable, scans);
  });
}

test('the estimate grows with the table and is 0 for an instant lock; a rewrite costs more than a scan', (t) => {
  const index = statementLock('create index "i" on "audit_log" ("actor")');
  const retype = statementLock('alter table "audit_log" alter column "actor" type varchar(100)');
  t.is(estimatedLockMs(statementLock('alter table "audit_log" add column "x" text'), 10 * 2 ** 30), 0);
  t.true(estimatedLockMs(index, 2 * 2 ** 30) > estimatedLockMs(index, 2 ** 30));
  t.true(estimatedLockMs(retype, 2 ** 30) > estimatedLockMs(index, 2 ** 30));
});
