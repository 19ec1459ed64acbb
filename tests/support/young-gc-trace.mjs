// Preloaded (--import) into a child process by tests that measure what survives V8's young-generation
// GCs: one line per GC (`--trace-gc-nvp`: pause, allocated, promoted, …), and `young-gc-mark` on
// SIGUSR2, so the test can sum the GCs between two marks.
import process from 'node:process';
import v8 from 'node:v8';

v8.setFlagsFromString('--trace-gc-nvp');
process.on('SIGUSR2', () => process.stdout.write('\nyoung-gc-mark\n'));
