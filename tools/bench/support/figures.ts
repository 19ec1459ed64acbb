/** Rounds to `places` decimals, for printed figures. */
export const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;

/** The p-th percentile of ascending `sorted` (nearest rank); NaN for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
