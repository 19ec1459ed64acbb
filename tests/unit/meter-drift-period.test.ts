import test from 'ava';
import { comparedPeriod } from '../../workers/reconcile/meter-drift.js';

const hour = 3_600_000;
const day = 24 * hour;

test('reconciliation compares whole hours from the oldest Stripe accepts to an hour before the newest closed window', (t) => {
  const now = new Date('2026-03-10T10:30:00Z');
  const period = comparedPeriod(now, 3600)!;
  t.is(period.end.toISOString(), '2026-03-10T08:00:00.000Z');
  t.is(period.start.getTime() % hour, 0);
  t.true(now.getTime() - period.start.getTime() < 35 * day, 'never older than Stripe takes');
  t.true(now.getTime() - period.start.getTime() > 34 * day);
  t.is(comparedPeriod(now, 86_400)!.end.toISOString(), '2026-03-09T09:00:00.000Z', 'daily windows: a day and an hour back');
});

test('a run since an instant starts at the next whole hour after it, and one too recent compares nothing', (t) => {
  const now = new Date('2026-03-10T10:30:00Z');
  t.is(comparedPeriod(now, 3600, '2026-03-09T12:15:00Z')!.start.toISOString(), '2026-03-09T13:00:00.000Z');
  t.is(comparedPeriod(now, 3600, '2026-03-10T08:00:00Z'), null);
});
