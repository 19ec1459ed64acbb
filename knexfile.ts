// For the knex CLI (`npx knex --knexfile knexfile.ts migrate:status`); the service itself migrates
// through `npm run migrate`, which uses shared/infra/db.ts.
import { loadConfig } from './shared/infra/config.js';
import { migrationConfig } from './shared/infra/db.js';

const config = loadConfig();

export default {
  client: 'pg',
  connection: config.DATABASE_URL,
  migrations: migrationConfig,
};
