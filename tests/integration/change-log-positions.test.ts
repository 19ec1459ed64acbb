import { randomBytes } from 'node:crypto';
import test from 'ava';
import { appendToLog, changeLogKey, compareLogIds, isLogId, logPosition, parseEntries, readLogAfter } from '../../shared/notify/change-log.js';
import type { EntitlementsUpdated } from '../../shared/notify/entitlement-event.js';
import { closeRedis, createRedis } from '../../shared/infra/redis.js';
import { testEnvironment } from '../support/environment.js';

const event = (version: number): EntitlementsUpdated => ({
  id: `evt_ent_test_${version}`, type: 'entitlements.updated', created: new Date(0).toISOString(),
  data: { customer: { id: 'c1', stripe_customer_id: 'cus_1', user_id: 'u1' }, version, entitlements: [], diff: { added: [], removed: [], changed: [] }, cause: { type: 'system', id: null } },
});

function redisWithPrefix(t: { teardown: (fn: () => Promise<void>) => void }) {
  const redis = createRedis(testEnvironment.redisUrl, 'worker', 'test-change-log');
  const prefix = `{test-log-${randomBytes(4).toString('hex')}}`;
  t.teardown(async () => { await redis.del(changeLogKey(prefix)); await closeRedis(redis); });
  return { redis, prefix };
}

test('entries are read back in order after an id, and a client position says when it missed trimmed entries', async (t) => {
  const { redis, prefix } = redisWithPrefix(t);
  t.deepEqual(await appendToLog(redis, prefix, 24, []), [], 'nothing to append costs nothing');
  t.deepEqual(await logPosition(redis, prefix, '0-0'), { last: '0-0', gap: false }, 'no log yet, and the client saw nothing');
  t.deepEqual(await logPosition(redis, prefix, '5-0'), { last: '0-0', gap: true }, 'no log, but the client saw an entry: the log was lost');

  const ids = await appendToLog(redis, prefix, 24, [event(1), event(2), event(3)]);
  t.true(ids.every(isLogId));
  t.deepEqual((await readLogAfter(redis, prefix, ids[0], 10)).map((entry) => (entry.event.type === 'entitlements.updated' ? entry.event.data.version : undefined)), [2, 3]);
  t.deepEqual((await readLogAfter(redis, prefix, ids[0], 1)).map((entry) => entry.id), [ids[1]]);
  t.deepEqual(await logPosition(redis, prefix, ids[2]), { last: ids[2], gap: false }, 'at the newest entry');
  t.deepEqual(await logPosition(redis, prefix, ids[0]), { last: ids[2], gap: false }, 'its own entry is still there');
  t.deepEqual(await logPosition(redis, prefix, '99999999999999-0'), { last: ids[2], gap: true }, 'ahead of the log: the log restarted behind it');
  await redis.xdel(changeLogKey(prefix), ids[0]);
  t.deepEqual(await logPosition(redis, prefix, ids[0]), { last: ids[2], gap: true }, 'its entry was trimmed');
});

test('entries this service did not write are skipped, and ids order numerically', (t) => {
  const json = JSON.stringify(event(7));
  t.deepEqual(parseEntries([['1-0', ['x', 'y']], ['2-0', ['e', '{not json']], ['3-0', ['e', json]]]).map((entry) => [entry.id, entry.frame]),
    [['3-0', `id: 3-0\nevent: entitlements.updated\ndata: ${json}\n\n`]]);
  t.true(compareLogIds('10-0', '9-5') > 0);
  t.true(compareLogIds('9-5', '9-10') < 0);
  t.is(compareLogIds('9-5', '9-5'), 0);
  t.is(compareLogIds('junk', '0-0'), 0, 'an unreadable id reads as 0-0');
  t.false(isLogId('12'));
  t.false(isLogId('1-2-3'));
});
