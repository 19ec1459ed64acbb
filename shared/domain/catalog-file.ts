import { z } from 'zod';
import type { CatalogPlan, PlanFeatureValue } from './catalog.js';
import { jsonErrorLine, lineOfPath, locateJson } from './json-locator.js';
import type { MeteredFeature } from './usage-policy.js';

/** The operator's catalog file, validated. */
export interface CatalogFile {
  plans: CatalogPlan[];
  /** How numeric features are metered (absent: none is). */
  features?: Record<string, MeteredFeature>;
}

export interface CatalogFileIssue {
  /** 1-based line in the file. */
  line: number;
  reason: string;
}

/** A catalog file that is not valid JSON or not a valid catalog. The message names line and reason of every issue. */
export class CatalogFileError extends Error {
  override readonly name = 'CatalogFileError';
  /** Line of the first issue. */
  readonly line: number;

  constructor(readonly issues: readonly [CatalogFileIssue, ...CatalogFileIssue[]]) {
    super(issues.map((issue) => `catalog line ${issue.line}: ${issue.reason}`).join('\n'));
    this.line = issues[0].line;
  }
}

const EXPECTED = '(expected true, a number or "quantity")';

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** Reason (without the feature name) why a feature value is invalid, or null if it is valid. */
function featureValueProblem(value: unknown): string | null {
  if (value === true || value === 'quantity') return null;
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? null : `has invalid number ${String(value)} (expected a non-negative finite number)`;
  }
  if (value === false) return `is false ${EXPECTED}; remove the feature instead`;
  return `has unknown value type ${describeValue(value)} ${EXPECTED}`;
}

const featureValueSchema = z.custom<PlanFeatureValue>((value) => featureValueProblem(value) === null, {
  error: (issue) => featureValueProblem(issue.input) ?? 'is invalid',
});

const MATCH_REASON = 'must be exactly one of {"lookup_key": …}, {"price": …} or {"product": …} with a non-empty string';
const id = z.string().min(1, { error: 'must be a non-empty string' });
const matchSchema = z.union(
  [z.strictObject({ lookup_key: id }), z.strictObject({ price: id }), z.strictObject({ product: id })],
  { error: (issue) => (issue.input === undefined ? 'is missing' : MATCH_REASON) },
);

/** JSON.parse keeps a "__proto__" key, but rebuilding the record would silently drop it: refuse it. */
const refuseProtoKey = z.unknown().superRefine((value, ctx) => {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a reserved name' });
  }
});

/** For a wrong type: "is missing" if the key is absent, else `otherwise`; other issues keep zod's message. */
const missingOr =
  (otherwise: string) =>
  (issue: { code?: string; input?: unknown }): string | undefined => {
    if (issue.code !== 'invalid_type') return undefined;
    return issue.input === undefined ? 'is missing' : otherwise;
  };

const count = (what: string) => z.number({ error: `must be ${what}` }).int(`must be ${what}`).min(0, `must be ${what}`);
const meteredFeatureSchema = z.strictObject(
  {
    metered: z.boolean({ error: 'must be true or false' }),
    reset: z.enum(['billing_period', 'month', 'week', 'day', 'never'], { error: 'must be one of "billing_period", "month", "week", "day", "never"' }).default('billing_period'),
    overage: z.enum(['reject', 'allow', 'cap'], { error: 'must be one of "reject", "allow", "cap"' }).default('reject'),
    rollover: z.strictObject(
      { max: count('a non-negative integer'), expires_after_days: count('a non-negative integer of days').optional() },
      { error: missingOr('must be an object with "max"') },
    ).optional(),
    stripe_meter: z.string({ error: 'must be a string' }).regex(/^[\w.:-]{1,100}$/, 'must be a Stripe meter event name (1–100 letters, digits and _ . : -)').optional(),
  },
  { error: 'must be an object with "metered"' },
).refine((feature) => !(feature.rollover && feature.reset === 'never'), { error: 'rollover needs a reset interval other than "never"', path: ['rollover'] });

const catalogFileSchema = z.strictObject(
  {
    features: refuseProtoKey.pipe(z.record(z.string().min(1), meteredFeatureSchema, { error: 'must be an object of feature → metering policy' })).optional(),
    plans: z.array(
      z.strictObject(
        {
          match: matchSchema,
          features: refuseProtoKey.pipe(
            z.record(z.string().min(1), featureValueSchema, { error: missingOr('must be an object of feature → value') }),
          ),
          quantity: z.strictObject({ min: z.int().min(0).optional(), max: z.int().min(1).optional() }, { error: 'must be an object with "min" and/or "max" (whole numbers)' })
            .refine((limits) => limits.min === undefined || limits.max === undefined || limits.min <= limits.max, { error: 'min must not be above max' })
            .optional(),
          trial_days: z.int({ error: 'must be a whole number of days from 1 to 730' }).min(1, 'must be a whole number of days from 1 to 730').max(730, 'must be a whole number of days from 1 to 730').optional(),
        },
        { error: missingOr('must be an object with "match" and "features"') },
      ),
      { error: missingOr('must be an array of plans') },
    ),
  },
  { error: 'must be an object with "plans"' },
);

function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || 'file';
}

function issueReason(issue: z.core.$ZodIssue): string {
  const [root, , field, feature] = issue.path;
  if (root === 'plans' && field === 'features' && issue.path.length === 4 && issue.code === 'custom') {
    return `feature ${JSON.stringify(String(feature))} ${issue.message}`;
  }
  if (issue.code === 'invalid_key') return 'feature names must not be empty';
  if (issue.code === 'unrecognized_keys') {
    return `${describePath(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  return `${describePath(issue.path)}: ${issue.message}`;
}

/** The reason JSON.parse gives, without the echo of the input or the position. */
function syntaxReason(message: string): string {
  const reason = message.replace(/, .*is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  return `invalid JSON: ${reason}`;
}

/**
 * Parses and validates the operator's catalog file.
 * @throws {CatalogFileError} on invalid JSON or an invalid catalog; the message names the
 *   1-based line and the reason of every issue, e.g.
 *   `catalog line 7: feature "seats" has unknown value type "seat" (expected true, a number or "quantity")`.
 */
export function parseCatalogFile(text: string): CatalogFile {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CatalogFileError([{ line: jsonErrorLine(source, message), reason: syntaxReason(message) }]);
  }
  const result = catalogFileSchema.safeParse(json);
  if (result.success) return result.data;

  const located = locateJson(source);
  const offsets = located.ok ? located.offsets : new Map<string, number>();
  const issues = result.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    return { line: lineOfPath(source, offsets, path), reason: issueReason(issue) };
  });
  issues.sort((a, b) => a.line - b.line);
  const [first, ...rest] = issues;
  throw new CatalogFileError(first ? [first, ...rest] : [{ line: 1, reason: 'invalid catalog' }]);
}
