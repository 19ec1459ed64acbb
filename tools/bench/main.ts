// `npm run bench -- [name…]`: each benchmark runs beside its bare ceiling in the same run.
const planned: Record<string, string> = {
  reads: 'entitlement reads on cache hits vs a bare Express 5 + ioredis GET server (ratio, p99 at 1,000 req/s)',
  ingest: 'webhook ingest vs a bare verify + insert + add server (ratio), and freshness p99 at 100 events/s',
  reconcile: 'reconciliation of 100,000 subscriptions served by the local Stripe simulator',
};

const requested = process.argv.slice(2);
for (const name of requested.length ? requested : Object.keys(planned)) {
  process.stdout.write(`${name}: not implemented yet; it will measure ${planned[name] ?? 'nothing (unknown benchmark)'}\n`);
}
