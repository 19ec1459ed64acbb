import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { createKeyVerifier } from '../../api/middleware/authenticate.js';
import { createKey } from '../../shared/api-keys.js';
import { createDb, type Db } from '../../shared/infra/db.js';
import { createTestDatabase } from '../support/database.js';

/** A database of the test's own, and a counter of the queries sent to it. */
async function keyDatabase(t: ExecutionContext): Promise<{ db: Db; queries: () => number }> {
  const database = await createTestDatabase();
  const db = createDb({ url: database.url, poolMax: 2 });
  let count = 0;
  db.on('query', () => { count += 1; });
  t.teardown(async () => {
    await db.destroy();
    await database.drop();
  });
  return { db, queries: () => count };
}

const wellFormedUnknown = () => `bk_read_${randomBytes(24).toString('base64url')}`;

test('strings that are not keys never reach a cache or Postgres, and cannot evict a real key', async (t) => {
  const { db, queries } = await keyDatabase(t);
  const { key } = await createKey(db, { name: 'real', scope: 'read' });
  // A TTL far longer than the test, so only eviction (never expiry) could make the real key miss.
  const verify = createKeyVerifier(db, 3600);
  t.truthy(await verify(key));
  const before = queries();
  // Every length up to 15 KB and odd alphabets; 10,001 of them was enough to clear the old cache.
  for (let index = 0; index < 10_001; index += 1) {
    const bearer = index % 500 === 0 ? randomBytes(7_500).toString('hex') : `${randomBytes(1 + (index % 40)).toString('base64')}~${index}`;
    t.is(await verify(bearer), undefined);
  }
  t.is(queries(), before, 'no query for a string that does not have the key format');
  t.truthy(await verify(key));
  t.is(queries(), before, 'the real key is still cached');
  t.deepEqual(verify.cached(), { known: 1, unknown: 0 });
});

test('a flood of well-formed unknown keys stays in its own small LRU and leaves real keys cached', async (t) => {
  const { db, queries } = await keyDatabase(t);
  const { key } = await createKey(db, { name: 'real', scope: 'write' });
  const verify = createKeyVerifier(db, 3600, { unknown: 100 });
  t.truthy(await verify(key));
  // 10,001 misses: the old cache cleared itself, real keys included, past 10,000 entries.
  for (let index = 0; index < 10_001; index += 1) t.is(await verify(wellFormedUnknown()), undefined);
  const before = queries();
  t.is((await verify(key))?.scope, 'write');
  t.is(queries(), before, 'the real key was not evicted by the misses');
  t.deepEqual(verify.cached(), { known: 1, unknown: 100 });
  const repeated = wellFormedUnknown();
  await verify(repeated);
  const afterMiss = queries();
  t.is(await verify(repeated), undefined);
  t.is(queries(), afterMiss, 'a repeated miss is answered from the negative cache');
});
