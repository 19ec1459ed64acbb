// AVA settings for mutation runs (`npm run test:mutation`): every unit test in one worker process,
// stopping at the first failure. One process instead of one per file saves several seconds of
// TypeScript loading per mutant, and a killed mutant needs only one failing assertion.
export default {
  extensions: ['ts'],
  nodeArguments: ['--import=tsx'],
  files: ['tests/mutation/unit-suite.ts'],
  workerThreads: false,
  failFast: true,
  timeout: '60s',
};
