import test from 'ava';
import { Redis } from 'ioredis';

// patches/ioredis+5.11.1.patch: a pipeline's `length` is a getter of its class, not an accessor each
// pipeline defines on itself (which kept every auto-pipelined batch, and the requests awaiting it,
// alive through young-generation GCs). Fails when `npm ci` did not apply the patch.
test('an ioredis pipeline carries no length accessor of its own and still counts its commands', (t) => {
  const redis = new Redis({ lazyConnect: true });
  try {
    const pipeline = redis.pipeline();
    t.is(Object.getOwnPropertyDescriptor(pipeline, 'length'), undefined);
    pipeline.get('a').set('b', '1');
    t.is(pipeline.length, 2);
  } finally {
    redis.disconnect();
  }
});
