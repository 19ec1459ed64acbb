import { readFileSync } from 'node:fs';
import { ConfigError } from './infra/config.js';
import { CatalogFileError, parseCatalogFile, type CatalogFile } from './domain/index.js';

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
