import test from 'ava';
import { eventually } from '../support/processes.js';

test('eventually: a timeout after a throwing check names the last error and keeps it as the cause', async (t) => {
  let calls = 0;
  const error = await t.throwsAsync(eventually(() => {
    calls += 1;
    return Promise.reject(new TypeError(`not ready, attempt ${calls}`));
  }, 30, 5));
  t.regex(error.message, /^condition not met within 30 ms; the last check threw: TypeError: not ready, attempt \d+$/);
  t.is((error.cause as Error).message, `not ready, attempt ${calls}`, 'the cause is the last error, not an earlier one');
});

test('eventually: a timeout after a check that answered false says only that', async (t) => {
  const error = await t.throwsAsync(eventually(() => Promise.resolve(false), 30, 5));
  t.is(error.message, 'condition not met within 30 ms');
  t.is(error.cause, undefined);
});

test('eventually: resolves once the check passes, after checks that threw', async (t) => {
  let calls = 0;
  await eventually(() => {
    calls += 1;
    return calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve(true);
  }, 5_000, 1);
  t.is(calls, 3);
});
