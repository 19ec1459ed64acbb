import test from 'ava';
import { recomputeCustomer } from '../../shared/entitlements/recompute-customer.js';
import { startServices } from '../support/services.js';
import { countQueries, seedCustomer } from './entitlements-fixtures.js';

test('a recompute writes an audit row only when the entitlements changed, with the lists before and after', async (t) => {
  const { api } = await startServices(t);
  const { db } = api.context;
  const customer = await seedCustomer(db, []);
  const audits = () => db('audit_log').where({ customer_id: customer.id, action: 'entitlements.changed' }).orderBy('id')
    .select<{ before: unknown; after: unknown; actor: string; grant_id: string | null; reason: string | null }[]>('before', 'after', 'actor', 'grant_id', 'reason');
  const expiresAt = new Date(Date.now() + 86_400_000);
  const [grant] = await db('grants')
    .insert({ customer_id: customer.id, feature: 'seats', value: JSON.stringify(3), reason: 'trial', created_by: 'test', expires_at: expiresAt })
    .returning<{ id: string }[]>('id');
  const seats = { feature: 'seats', value: 3, sources: [{ kind: 'grant', id: grant.id }], expires_at: expiresAt.toISOString() };

  const first = await recomputeCustomer(api.context, customer.id, { actor: 'system', grantId: grant.id, reason: 'granted' });
  t.true(first.changed);
  t.deepEqual(first.entitlements, [seats]);
  t.deepEqual(await audits(), [{ before: [], after: [seats], actor: 'system', grant_id: grant.id, reason: 'granted' }]);

  const queries = countQueries(db);
  t.teardown(queries.stop);
  const again = await recomputeCustomer(api.context, customer.id, { actor: 'system', reason: 'again' });
  queries.stop();
  t.false(again.changed, 'the same list (stored as jsonb, keys reordered) is no change');
  t.is((await audits()).length, 1, 'no audit row for an unchanged list');
  t.is(queries.count(), 5, `begin, lock, read inputs, store and audit, commit: ${queries.sql().join(' | ')}`);
  const stored = await db('entitlements').where({ customer_id: customer.id }).first<{ features: unknown; version: number }>('features', 'version');
  t.deepEqual(stored.features, [seats]);

  await db('grants').where({ id: grant.id }).update({ revoked_at: new Date() });
  const revoked = await recomputeCustomer(api.context, customer.id, { actor: 'key:admin', grantId: grant.id });
  t.true(revoked.changed);
  t.deepEqual((await audits()).at(-1), { before: [seats], after: [], actor: 'key:admin', grant_id: grant.id, reason: null });
});
