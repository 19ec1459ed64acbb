// Mutation testing of the sync writer and the inbox (`npm run test:mutation`, after shared/domain):
// both are mostly SQL run against Postgres, so each mutant runs the integration tests that own
// them, on the services and template database tools/mutation.sh prepares.
import base from './stryker.config.js';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  commandRunner: { command: 'node_modules/.bin/ava --config tests/mutation/ava.sync-inbox.config.js' },
  mutate: ['shared/sync/write-snapshot.ts', 'shared/sync/stripe-rows.ts', 'shared/events/inbox.ts'],
  timeoutMS: 60000,
  // tsx never type-checks, and a `// @ts-nocheck` line added to the migrations would change the
  // fingerprint that names the template database the tests copy.
  disableTypeChecks: false,
  htmlReporter: { fileName: 'reports/mutation/sync-inbox.html' },
  jsonReporter: { fileName: 'reports/mutation/sync-inbox.json' },
};
