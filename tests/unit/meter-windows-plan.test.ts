import test from 'ava';
import fc from 'fast-check';
import { meterEventIdentifier, planMeterParts, type ReportedWindow, type WindowTotal } from '../../shared/domain/meter-windows.js';

const customerId = '7d3f2c1a-0000-4000-8000-000000000001';
const hour = 3_600_000;
const t0 = Date.UTC(2026, 10, 1);
const at = (hours: number) => new Date(t0 + hours * hour);
const total = (eventName: string, startHour: number, quantity: number, endHour = startHour + 1): WindowTotal => ({ eventName, windowStart: at(startHour), windowEnd: at(endHour), quantity });
const options = (nowHour: number, oldestHour = -1000) => ({ customerId, now: at(nowHour), oldestTimestamp: at(oldestHour) });

test('closed windows become first parts, oldest first; the open window waits', (t) => {
  const parts = planMeterParts([total('api', 2, 5), total('api', 0, 3), total('tokens', 0, 9), total('api', 3, 1)], [], options(3.5));
  t.deepEqual(parts.map((part) => [part.eventName, part.windowStart.getTime() - t0, part.part, part.quantity, part.status]), [
    ['api', 0, 1, 3, 'pending'], ['tokens', 0, 1, 9, 'pending'], ['api', 2 * hour, 1, 5, 'pending'],
  ]);
  t.is(parts[0]?.identifier, meterEventIdentifier(customerId, 'api', at(0), 1));
});

test('a window reported before carries only the difference, as its next part; an unchanged one nothing', (t) => {
  const reported: ReportedWindow[] = [{ eventName: 'api', windowStart: at(0), quantity: 3, parts: 1 }, { eventName: 'api', windowStart: at(1), quantity: 4, parts: 2 }];
  const parts = planMeterParts([total('api', 0, 10), total('api', 1, 4)], reported, options(5));
  t.deepEqual(parts.map((part) => [part.part, part.quantity]), [[2, 7]]);
  t.not(parts[0]?.identifier, meterEventIdentifier(customerId, 'api', at(0), 1));
});

test('a window split at a period boundary is due once the boundary has passed, though its grid hour has not', (t) => {
  const parts = planMeterParts([total('api', 10, 4, 10.5), total('api', 10.5, 2, 11)], [], options(10.6));
  t.deepEqual(parts.map((part) => part.quantity), [4]);
});

test('windows older than Stripe accepts are planned expired, never pending', (t) => {
  const parts = planMeterParts([total('api', 0, 1), total('api', 5, 1)], [], options(10, 3));
  t.deepEqual(parts.map((part) => part.status), ['expired', 'pending']);
});

test('identifiers depend on customer, meter, window and part only, and fit Stripe\'s 100 characters', (t) => {
  const id = meterEventIdentifier(customerId, 'api', at(0), 1);
  t.is(id, meterEventIdentifier(customerId, 'api', new Date(at(0).getTime()), 1));
  t.true(id.length <= 100);
  const others = [meterEventIdentifier(customerId, 'api', at(0), 2), meterEventIdentifier(customerId, 'api', at(1), 1), meterEventIdentifier(customerId, 'other', at(0), 1), meterEventIdentifier(customerId.replace('1', '2'), 'api', at(0), 1)];
  t.is(new Set([id, ...others]).size, 5);
});

test('whatever the order of totals and however often it is replanned, the parts add up to the ledger exactly once', (t) => {
  const window = fc.record({ eventName: fc.constantFrom('api', 'tokens'), hour: fc.integer({ min: 0, max: 20 }), quantity: fc.integer({ min: 1, max: 1000 }) });
  fc.assert(fc.property(fc.array(window, { maxLength: 30 }), fc.integer({ min: 0, max: 24 }), (rows, nowHour) => {
    const sums = new Map<string, WindowTotal>();
    for (const row of rows) {
      const key = `${row.eventName}:${row.hour}`;
      const current = sums.get(key) ?? total(row.eventName, row.hour, 0);
      sums.set(key, { ...current, quantity: current.quantity + row.quantity });
    }
    const totals = [...sums.values()];
    const first = planMeterParts(totals, [], options(nowHour));
    t.deepEqual(planMeterParts([...totals].reverse(), [], options(nowHour)).map((part) => part.identifier).sort(), first.map((part) => part.identifier).sort());
    const reported: ReportedWindow[] = first.map((part) => ({ eventName: part.eventName, windowStart: part.windowStart, quantity: part.quantity, parts: part.part }));
    t.deepEqual(planMeterParts(totals, reported, options(nowHour)), [], 'a second plan finds nothing left');
    const closed = totals.filter((candidate) => candidate.windowEnd <= at(nowHour)).reduce((sum, candidate) => sum + candidate.quantity, 0);
    t.is(first.reduce((sum, part) => sum + part.quantity, 0), closed);
  }));
});
