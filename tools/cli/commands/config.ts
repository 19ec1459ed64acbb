import { loadCatalogFile } from '../../../shared/catalog-source.js';
import { parseOrExit } from '../../../shared/infra/config.js';
import { defineCommand } from '../command.js';

/** `config check`: what a process would refuse at start, found before anything is replaced. */
export const configCheck = defineCommand({
  name: 'config check',
  summary: 'Validates the settings and catalog file the api and workers would start with.',
  help: 'Exits 78 naming every bad setting, 0 when the processes would start.',
  options: {},
  async run(_parsed, cli) {
    const config = cli.config();
    const catalog = parseOrExit(() => loadCatalogFile(config.CATALOG_FILE));
    cli.stderr.write(`configuration is valid (catalog: ${config.CATALOG_FILE ? `${catalog.plans.length} plan(s) from ${config.CATALOG_FILE}` : 'none'})\n`);
    return Promise.resolve();
  },
});
