import test from 'ava';
import { redact } from '../../shared/infra/logger.js';
import { findSecrets } from '../support/secret-patterns.js';

/** A real-shaped key whose base64url body holds `-` early, where a `\w` pattern would stop. */
const key = `bk_admin_Ab-${'x-Y_z'.repeat(8)}`;

test('an API key with - in its body is redacted whole, in values and messages', (t) => {
  const line = JSON.stringify(redact({ message: `auth failed for ${key}`, header: `Bearer ${key}` }));
  t.false(line.includes('x-Y_z'), line);
  t.deepEqual(findSecrets([line]), []);
});

test('the stack of a logged error is redacted like its message', (t) => {
  const error = new Error(`stripe refused sk_test_51Abc_def and ${key}`);
  const line = JSON.stringify(redact({ context: { error } }));
  t.false(line.includes('x-Y_z'), line);
  t.false(line.includes('51Abc'), line);
  t.regex(line, /"stack":"Error: stripe refused \[redacted\] and \[redacted\]/);
  t.deepEqual(findSecrets([line]), []);
});
