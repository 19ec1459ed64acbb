import client from 'prom-client';

/**
 * Every metric of the service, on a registry owned by the process (tests make their own).
 * Names follow Prometheus conventions: base units in names, `_total` for counters. Each process
 * carries `instance` and `role` labels, so PM2 cluster instances are never summed into garbage.
 */
export function createMetrics(labels: { role: string; instance: string }) {
  const registry = new client.Registry();
  registry.setDefaultLabels(labels);
  client.collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    httpRequestDuration: new client.Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r,
    }),
    webhookEvents: new client.Counter({
      name: 'webhook_events_received_total', help: 'Webhook deliveries by event type and outcome (accepted, duplicate, ignored, rejected).',
      labelNames: ['type', 'outcome'], registers: r,
    }),
    eventLag: new client.Histogram({
      name: 'event_processing_lag_seconds', help: "From Stripe's event.created to the event processed.",
      labelNames: ['type'], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800], registers: r,
    }),
    jobDuration: new client.Histogram({
      name: 'job_duration_seconds', help: 'Job duration by queue, processor and outcome.',
      labelNames: ['queue', 'processor', 'outcome'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: r,
    }),
    jobFailures: new client.Counter({
      name: 'job_failures_total', help: 'Failed job attempts by queue, processor and kind (transient, permanent).',
      labelNames: ['queue', 'processor', 'kind'], registers: r,
    }),
    jobRetriesBeyondAttempts: new client.Counter({
      name: 'job_retries_beyond_attempts_total', help: 'Transient failures retried at the capped backoff after a job used its attempts (an outage in progress).',
      labelNames: ['queue'], registers: r,
    }),
    stripeCallRetries: new client.Counter({
      name: 'stripe_call_retries_total', help: 'Stripe calls tried again after a transient answer, by reason (429, 409, 5xx, network).',
      labelNames: ['reason'], registers: r,
    }),
    deadLetters: new client.Counter({
      name: 'dead_letters_total', help: 'Jobs moved to the dead-letter queue after their last attempt.',
      labelNames: ['queue'], registers: r,
    }),
    cacheRequests: new client.Counter({
      name: 'entitlement_cache_requests_total', help: 'Entitlement cache lookups by tier (memory, redis) and result (hit, miss).',
      labelNames: ['tier', 'result'], registers: r,
    }),
    stripeCalls: new client.Counter({
      name: 'stripe_api_calls_total', help: 'Stripe API calls by endpoint and HTTP status.',
      labelNames: ['endpoint', 'status'], registers: r,
    }),
    stripeRateLimitWait: new client.Histogram({
      name: 'stripe_rate_limit_wait_seconds', help: 'Time jobs waited for the Stripe rate limit.',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: r,
    }),
    notifyEvents: new client.Counter({
      name: 'notify_events_total', help: 'Entitlement events handed to the event stream and the webhook fan-out, by channel and outcome (announced, failed).',
      labelNames: ['channel', 'outcome'], registers: r,
    }),
    streamClients: new client.Gauge({
      name: 'stream_clients', help: 'Event stream clients connected to this process.', registers: r,
    }),
    streamCutOff: new client.Counter({
      name: 'stream_clients_cut_off_total', help: 'Event stream clients disconnected because they read too slowly.', registers: r,
    }),
    webhookDeliveries: new client.Counter({
      name: 'webhook_deliveries_total', help: 'Outbound webhook delivery attempts by outcome (succeeded, failed, blocked, dead).',
      labelNames: ['outcome'], registers: r,
    }),
    webhookDeliveryDuration: new client.Histogram({
      name: 'webhook_delivery_duration_seconds', help: 'Duration of one outbound webhook request, by outcome.',
      labelNames: ['outcome'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: r,
    }),
    webhookDeliveryLatency: new client.Histogram({
      name: 'webhook_delivery_latency_seconds', help: 'From an event to its successful delivery (retries included).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86_400], registers: r,
    }),
    reconciliationDrift: new client.Counter({
      name: 'reconciliation_drift_total', help: 'Drift found and repaired by kind.',
      labelNames: ['kind', 'outcome'], registers: r,
    }),
    reconciliationRunDuration: new client.Histogram({
      name: 'reconciliation_run_duration_seconds', help: 'Duration of successful reconciliation runs, from first start to end (a resumed run counts its whole span).',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200], registers: r,
    }),
    reconciliationLastSuccess: new client.Gauge({
      name: 'reconciliation_last_success_timestamp_seconds', help: 'Unix time of the last successful reconciliation run.', registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
