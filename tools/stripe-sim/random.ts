/**
 * A small seeded pseudo-random generator (mulberry32). Chaos switches and ids draw from it so a
 * test that fixes the seed sees the same drops, duplicates and orderings on every run.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** True with the given probability in percent (0–100). */
  chance(percent: number): boolean;
  /** An integer in [0, max). */
  int(max: number): number;
  /** A new array with the items in a random order. */
  shuffle<T>(items: readonly T[]): T[];
}

export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  return {
    next,
    int,
    chance: (percent) => percent > 0 && next() * 100 < percent,
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
