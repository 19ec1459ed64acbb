import fc from 'fast-check';
import type { RawClient, RawRequest, RawResponse } from './raw-http.js';

/** Building blocks of the fuzz tests: input arbitraries and checks of the answers. */

/** What a response should be: undefined when it is right, else what is wrong with it. */
export type Oracle = (response: RawResponse) => string | undefined;

/** One generated request, the family it belongs to (for counts and messages) and its expected answer. */
export interface FuzzCase { category: string; request: RawRequest; expect: Oracle }

/** The `error.code` of a JSON error answer, or '' for any other body. */
export function errorCode(response: RawResponse): string {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code ?? '';
  } catch {
    return '';
  }
}

export const status = (...allowed: number[]): Oracle => (response) =>
  (allowed.includes(response.status) ? undefined : `status ${response.status}, expected ${allowed.join(' or ')}`);

export const error = (expected: number, ...codes: string[]): Oracle => (response) =>
  (response.status === expected && codes.includes(errorCode(response)) ? undefined : `${response.status} ${errorCode(response)}, expected ${expected} ${codes.join(' or ')}`);

/** Printable ASCII, which every HTTP header value and URL component of the fuzz tests may carry. */
export const printable = (maxLength = 60, minLength = 0) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength, maxLength });

/** Bytes from a seeded xorshift generator: as random as fc.uint8Array, without a shrink tree per byte. */
export function randomBytes(options: { minLength?: number; maxLength: number }): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min: options.minLength ?? 0, max: options.maxLength }), fc.integer()).map(([length, seed]) => {
    const bytes = Buffer.alloc(length);
    let state = seed | 1;
    for (let index = 0; index < length; index += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[index] = state & 0xff;
    }
    return bytes;
  });
}

/**
 * Sends `batches` arrays of `batchSize` generated cases, each array at once, through fast-check.
 * A 5xx or an answer its case does not expect fails the property (with the request, shrunk);
 * every answer is counted by category and handed to `seen`. Returns the count per category.
 */
export async function sendCases(client: RawClient, cases: fc.Arbitrary<FuzzCase>, options: { batchSize: number; batches: number; seen?: (item: FuzzCase, response: RawResponse) => void }): Promise<Map<string, number>> {
  const categories = new Map<string, number>();
  await fc.assert(fc.asyncProperty(fc.array(cases, { minLength: options.batchSize, maxLength: options.batchSize }), async (batch) => {
    const responses = await Promise.all(batch.map((item) => client.send(item.request)));
    batch.forEach((item, index) => {
      const response = responses[index];
      const problem = response.status >= 500 ? `a ${response.status}` : item.expect(response);
      if (problem) throw new Error(`${item.category}: ${problem}; answer ${response.body.slice(0, 300)}; request ${JSON.stringify(item.request).slice(0, 1000)}`);
      categories.set(item.category, (categories.get(item.category) ?? 0) + 1);
      options.seen?.(item, response);
    });
  }), { numRuns: options.batches, endOnFailure: true, includeErrorInReport: true });
  return categories;
}
