import { readFileSync } from 'node:fs';
import { ConfigError } from './config.js';
import type { Db } from './db.js';
import { CatalogFileError, parseCatalogFile, type Catalog, type CatalogFile } from './domain/index.js';

export { CatalogFileError };

/** Reads the operator's catalog file once at start; a bad file stops start-up naming the line and the reason. */
export function loadCatalogFile(path: string | undefined): CatalogFile {
  if (!path) return { plans: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`CATALOG_FILE: ${path} cannot be read (${error instanceof Error ? error.message : String(error)})`]);
  }
  try {
    return parseCatalogFile(text);
  } catch (error) {
    if (error instanceof CatalogFileError) throw new ConfigError(error.message.split('\n').map((line) => `CATALOG_FILE ${path}: ${line}`));
    throw error;
  }
}

/** The catalog for a set of products: the file's plans plus the Stripe product features mirrored locally. */
export async function catalogFor(db: Db, file: CatalogFile, productIds: readonly string[]): Promise<Catalog> {
  const productFeatures: Record<string, string[]> = {};
  if (productIds.length > 0) {
    const rows = await db('catalog_products').select<{ id: string; features: string[] }[]>('id', 'features').whereIn('id', [...new Set(productIds)]).where('deleted', false);
    for (const row of rows) if (row.features.length > 0) productFeatures[row.id] = row.features;
  }
  return { plans: file.plans, productFeatures };
}
