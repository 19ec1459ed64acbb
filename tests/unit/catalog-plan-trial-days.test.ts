import test from 'ava';
import { CatalogFileError, parseCatalogFile, planTrialDays } from '../../shared/domain/index.js';

const catalog = (trialDays: unknown) => JSON.stringify({ plans: [
  { match: { lookup_key: 'basic_monthly' }, features: { basic: true } },
  { match: { product: 'prod_pro' }, features: { pro: true }, trial_days: trialDays },
] }, null, 2);

test('a plan may offer trial days; the first plan matching the price that offers them decides', (t) => {
  const { plans } = parseCatalogFile(catalog(14));
  t.is(planTrialDays(plans, { priceId: 'price_pro', lookupKey: 'pro_monthly', productId: 'prod_pro' }), 14);
  t.is(planTrialDays(plans, { priceId: 'price_basic', lookupKey: 'basic_monthly', productId: 'prod_basic' }), undefined, 'a plan without trial days offers none');
  t.is(planTrialDays(plans, { priceId: 'price_x', lookupKey: null, productId: 'prod_x' }), undefined, 'no plan matches');
});

test('trial days outside 1–730 or not whole are refused, naming the line', (t) => {
  for (const bad of [0, 731, 1.5, '14']) {
    const error = t.throws(() => parseCatalogFile(catalog(bad)), { instanceOf: CatalogFileError });
    t.is(error?.message, 'catalog line 18: plans[1].trial_days: must be a whole number of days from 1 to 730', String(bad));
  }
});
