// AVA settings for mutation runs of the sync writer and the inbox (stryker.sync-inbox.config.js):
// the integration tests that exercise them directly, plus the unit tests of the Stripe row
// mapping, stopping at the first failure.
export default {
  extensions: ['ts'],
  nodeArguments: ['--import=tsx'],
  files: [
    'tests/unit/latest-invoice-refunded.test.ts',
    'tests/integration/sync-writer-mirror-rows.test.ts',
    'tests/integration/sync-older-fetch-never-overwrites.test.ts',
    'tests/integration/inbox-records-each-event-once.test.ts',
  ],
  workerThreads: false,
  concurrency: 2,
  failFast: true,
  timeout: '60s',
};
