// Loads every unit test file into one AVA worker (see ava.config.js next to this file). Test titles
// must therefore be unique across tests/unit, which AVA checks.
import { readdirSync } from 'node:fs';

const unitTests = new URL('../../tests/unit/', import.meta.url);
const files = readdirSync(unitTests).filter((name) => name.endsWith('.test.ts')).sort();
if (files.length === 0) throw new Error(`no unit tests in ${unitTests.pathname}`);
for (const file of files) await import(new URL(file, unitTests).href);
