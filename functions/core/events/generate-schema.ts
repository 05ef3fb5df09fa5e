/**
 * Regenerates `payment-session-event.schema.json` from the zod contract:
 * `tsx functions/core/events/generate-schema.ts` (or with `--check` to only verify it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { renderPaymentSessionEventSchema, SCHEMA_FILE } from './schema';

const expected = renderPaymentSessionEventSchema();
const name = relative(process.cwd(), SCHEMA_FILE);
if (process.argv.includes('--check')) {
  const actual = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
  if (actual !== expected) {
    console.error(`${name} is out of date: run tsx functions/core/events/generate-schema.ts`);
    process.exit(1);
  }
  console.log(`${name} is up to date`);
} else {
  await writeFile(SCHEMA_FILE, expected);
  console.log(`wrote ${name}`);
}
