// Mutation testing of the pure domain (shared/domain) against the unit tests: `npm run test:mutation`.
// There is no AVA plugin for StrykerJS, so the command runner runs AVA once per mutant; Stryker
// selects the active mutant through the environment, which AVA's worker process inherits.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  commandRunner: { command: 'node_modules/.bin/ava --config tests/mutation/ava.config.js' },
  coverageAnalysis: 'off',
  mutate: ['shared/domain/**/*.ts'],
  // Not copied to the sandbox: build output, coverage and local service data (large, and no test reads them).
  ignorePatterns: ['/coverage', '/dist', '/.local', '/reports'],
  concurrency: 2,
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 75, break: 75 },
};
