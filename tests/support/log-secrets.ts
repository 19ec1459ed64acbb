// Run by the test command after the suite: every log line the suite's services wrote (at debug
// level, one file per logger under TEST_LOG_DIR) is searched for secrets, API keys, signatures and
// card numbers. Prints one line and exits 1 on a finding, or when too few lines were written for
// the search to mean anything.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { testEnvironment } from './environment.js';
import { findSecrets, minimumLines } from './secret-patterns.js';

const directory = testEnvironment.logDir;
if (!directory) {
  console.log('log secrets: TEST_LOG_DIR is not set');
  process.exit(1);
}
const files = readdirSync(directory).filter((name) => name.endsWith('.log'));
const lines = files.flatMap((name) => readFileSync(path.join(directory, name), 'utf8').split('\n').filter(Boolean));
const found = findSecrets(lines);
for (const { line, what } of found.slice(0, 20)) console.log(`log secrets: ${what} in: ${line.slice(0, 300)}`);
console.log(`log secrets: ${lines.length} lines in ${files.length} files searched, ${found.length} secrets found`);
process.exit(found.length === 0 && lines.length >= minimumLines ? 0 : 1);
