import winston from 'winston';
import { currentCorrelation } from './correlation.js';
import { secretTextPattern } from './secret-text.js';

export type Logger = winston.Logger;

/** Keys whose values never reach a log line, wherever they appear. */
const secretKeys = /^(authorization|cookie|password|secret|api_?key|key|token|stripe-signature|card|number|cvc)$/i;
/** Secrets inside values (keys, signing secrets, card-like digit runs), wherever they appear, stack traces included. */
const secretValues = secretTextPattern(/\b\d{13,19}\b/);

/** A copy of a log value with every secret replaced by `[redacted]`; exported for its tests. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(secretValues, '[redacted]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, secretKeys.test(key) ? '[redacted]' : redact(item, depth + 1)]),
  );
}

const addContext = winston.format((info) => {
  const correlation = currentCorrelation();
  if (correlation) {
    info.correlationId ??= correlation.correlationId;
    if (correlation.requestId) info.requestId ??= correlation.requestId;
    if (correlation.jobId) info.jobId ??= correlation.jobId;
    if (correlation.queue) info.queue ??= correlation.queue;
  }
  for (const key of Object.keys(info)) {
    if (key !== 'level' && key !== 'timestamp') info[key] = secretKeys.test(key) ? '[redacted]' : redact(info[key]);
  }
  return info;
});

/**
 * A JSON logger whose lines carry the current request/job correlation id and never a secret.
 * Lines go to stdout, or to `file` when one is given (then `silent` does not apply: a file is asked for).
 */
export function createLogger(options: { level: string; service: string; silent?: boolean; file?: string }): Logger {
  return winston.createLogger({
    level: options.level,
    silent: options.file ? false : (options.silent ?? false),
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), addContext(), winston.format.json()),
    transports: [options.file ? new winston.transports.File({ filename: options.file }) : new winston.transports.Console()],
  });
}
