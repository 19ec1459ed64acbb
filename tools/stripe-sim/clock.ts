/**
 * The simulated clock, in unix seconds. Every `created`, period and event timestamp comes from
 * here; it only moves when told to (webhook retries use the real wall clock instead).
 */
export interface SimClock {
  now(): number;
  /** Moves the clock to `t`; never backwards. */
  set(t: number): void;
}

export function createClock(start: number = Math.floor(Date.now() / 1000)): SimClock {
  let current = Math.floor(start);
  return {
    now: () => current,
    set(t) {
      if (t < current) throw new RangeError(`The simulated clock cannot go backwards (${t} < ${current})`);
      current = Math.floor(t);
    },
  };
}
