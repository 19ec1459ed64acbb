import test from 'ava';
import { CatalogFileError, parseCatalogFile, quantityLimits } from '../../shared/domain/index.js';
import { item } from './domain-builders.js';

const team = { match: { product: 'prod_team' }, features: { seats: 'quantity' as const } };

test('quantity limits come from every plan matching the item: the largest minimum and the smallest maximum', (t) => {
  const teamItem = item({ productId: 'prod_team', lookupKey: 'team_monthly' });
  t.deepEqual(quantityLimits([team], teamItem), { min: undefined, max: undefined }, 'no limits set');
  t.deepEqual(quantityLimits([{ ...team, quantity: { min: 2, max: 50 } }], teamItem), { min: 2, max: 50 });
  t.deepEqual(quantityLimits([
    { ...team, quantity: { min: 2, max: 50 } },
    { match: { lookup_key: 'team_monthly' }, features: {}, quantity: { min: 5 } },
    { match: { lookup_key: 'team_monthly' }, features: {}, quantity: { max: 20 } },
    { match: { product: 'prod_other' }, features: {}, quantity: { min: 100, max: 100 } },
  ], teamItem), { min: 5, max: 20 });
});

test('the catalog file accepts quantity limits and names bad ones with their line', (t) => {
  const parsed = parseCatalogFile(JSON.stringify({ plans: [{ ...team, quantity: { min: 1, max: 10 } }] }));
  t.deepEqual(parsed.plans[0]?.quantity, { min: 1, max: 10 });
  const inverted = t.throws(() => parseCatalogFile('{ "plans": [\n  { "match": { "product": "p" }, "features": {},\n    "quantity": { "min": 9, "max": 3 } }\n] }'), { instanceOf: CatalogFileError });
  t.regex(inverted.message, /min must not be above max/);
  const unknown = t.throws(() => parseCatalogFile(JSON.stringify({ plans: [{ ...team, quantity: { most: 3 } }] })), { instanceOf: CatalogFileError });
  t.regex(unknown.message, /quantity/);
  const fractional = t.throws(() => parseCatalogFile(JSON.stringify({ plans: [{ ...team, quantity: { max: 2.5 } }] })), { instanceOf: CatalogFileError });
  t.regex(fractional.message, /quantity\.max/);
});
