import type { CatalogFile } from '../domain/index.js';

/** The catalog's metered features, sorted by name. */
export function meteredFeatures(file: CatalogFile): string[] {
  return Object.entries(file.features ?? {}).filter(([, policy]) => policy.metered).map(([feature]) => feature).sort();
}
