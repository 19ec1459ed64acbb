import type { Random } from './random.js';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Makes Stripe-looking ids (`cus_…`, `sub_…`): a prefix and 24 base62 characters. */
export interface IdFactory {
  next(prefix: string): string;
}

export function createIds(random: Random): IdFactory {
  return {
    next(prefix) {
      let body = '';
      for (let i = 0; i < 24; i++) body += alphabet[random.int(alphabet.length)];
      return `${prefix}_${body}`;
    },
  };
}
