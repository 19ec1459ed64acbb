import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The catalog used by pipeline tests, written to a temp file for CATALOG_FILE. */
export const testCatalog = {
  plans: [
    { match: { lookup_key: 'basic_monthly' }, features: { basic: true, api_calls: 1000 } },
    { match: { lookup_key: 'pro_monthly' }, features: { basic: true, pro: true, api_calls: 10000 } },
    { match: { product: 'prod_team' }, features: { team: true, seats: 'quantity' } },
  ],
};

export function catalogFile(catalog: unknown = testCatalog): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'billing-catalog-'));
  const file = path.join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify(catalog, null, 2));
  return file;
}
