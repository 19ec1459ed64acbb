import test from 'ava';
import { formatReloadResult, runReloadBenchmark } from '../../tools/bench/reload.js';

// The project's ecosystem.config.cjs under a PM2 daemon of its own (own PM2_HOME, free ports):
// 2 api instances in cluster mode and 2 workers, reloaded one after the other under load.
test('pm2 reload of the api and then of the workers under load: no failed request, no lost or doubled event', async (t) => {
  t.timeout(300_000);
  const events = 120;
  const result = await runReloadBenchmark({ source: true, connections: 10, events, baselineSeconds: 3 });
  t.log(formatReloadResult(result));
  t.true(result.during.requests > 0, 'reads ran during the reloads');
  t.is(result.during.errors, 0, 'connection errors');
  t.is(result.during.timeouts, 0, 'timeouts');
  t.is(result.during.non2xx, 0, 'answers other than 2xx');
  t.deepEqual({ sent: result.webhooks.sent, accepted: result.webhooks.accepted, failed: result.webhooks.failed }, { sent: events, accepted: events, failed: 0 });
  const { sent, processed, lost, doubled, auditDoubled } = result.events;
  t.deepEqual({ sent, processed, lost, doubled, auditDoubled }, { sent: events, processed: events, lost: 0, doubled: 0, auditDoubled: 0 });
});
