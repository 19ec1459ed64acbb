// What must never appear in a log line: used by the check the test command runs over the suite's logs.
import { apiKeyText, stripeKeyText, webhookSecretText } from '../../shared/infra/secret-text.js';

/** Fewer lines than this means the services did not log to files, and the search proves nothing. */
export const minimumLines = 1000;

const patterns: [string, RegExp][] = [
  ['Stripe secret key', stripeKeyText],
  ['webhook signing secret', webhookSecretText],
  ['API key', apiKeyText],
  ['Stripe-Signature header', /\bv1=[0-9a-f]{64}\b/],
  ['HTTP Basic credentials', /\bBasic [A-Za-z0-9+/]{20,}={0,2}/],
];

/** Luhn-valid 15- or 16-digit runs that start like a card scheme (3, 4, 5, 6): card numbers, not timestamps. */
function cardNumber(line: string): string | undefined {
  for (const [digits] of line.matchAll(/(?<!\d)[3-6]\d{14,15}(?!\d)/g)) {
    let sum = 0;
    for (let index = 0; index < digits.length; index += 1) {
      let digit = Number(digits[digits.length - 1 - index]);
      if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return digits;
  }
  return undefined;
}

export function findSecrets(lines: string[]): { line: string; what: string }[] {
  const found: { line: string; what: string }[] = [];
  for (const line of lines) {
    const named = patterns.find(([, pattern]) => pattern.test(line));
    if (named) found.push({ line, what: named[0] });
    else if (cardNumber(line)) found.push({ line, what: 'card number' });
  }
  return found;
}
