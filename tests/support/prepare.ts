// Runs once before the suite: (re)creates the migrated template database test databases copy.
import { prepareTemplate } from './database.js';

await prepareTemplate();
